// Marks the module root only: build with -modfile=go-1.XX.mod (see ../build), which picks the Kubernetes release.
module eks-hybrid-charts/tools/nodecheck/kubelet

go 1.24.0
