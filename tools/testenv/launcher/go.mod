module eks-hybrid-charts/tools/testenv/launcher

go 1.24.0
