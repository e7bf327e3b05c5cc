// Command nodecheck-containerd1 loads containerd configs and registry hosts.toml files with containerd
// 1.7's own code: services/server/config.LoadConfig (imports merged per top-level plugin, exactly as
// the daemon does), the CRI plugin's defaults and ValidatePluginConfig, and remotes/docker/config
// ConfigureHosts. It reports what containerd ends up with; test/nodes asserts on it.
package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/containerd/containerd/pkg/cri/config"
	"github.com/containerd/containerd/plugin"
	hostsconfig "github.com/containerd/containerd/remotes/docker/config"
	srvconfig "github.com/containerd/containerd/services/server/config"
)

func main() { os.Exit(run(checkContainerd, checkHosts)) }

// checkContainerd writes the base config and the drop-in where nodeadm puts them (under root), loads
// them as the daemon would and runs the CRI plugin's validation.
func checkContainerd(root, base, dropin string) containerdResult {
	path, err := layout(root, base, dropin)
	if err != nil {
		return containerdResult{LoadError: err.Error()}
	}
	loaded := &srvconfig.Config{}
	if err := srvconfig.LoadConfig(path, loaded); err != nil {
		return containerdResult{LoadError: err.Error()}
	}
	cri := config.DefaultConfig()
	if _, err := loaded.Decode(&plugin.Registration{Type: plugin.GRPCPlugin, ID: "cri", Config: &cri}); err != nil {
		return containerdResult{LoadError: fmt.Sprintf("decode CRI plugin config: %v", err)}
	}
	r := containerdResult{
		DefaultRuntime:        cri.ContainerdConfig.DefaultRuntimeName,
		Runtimes:              map[string]runtimeResult{},
		SandboxImage:          cri.SandboxImage,
		DiscardUnpackedLayers: cri.ContainerdConfig.DiscardUnpackedLayers,
		ConfigPath:            cri.Registry.ConfigPath,
		CDIEnabled:            cri.EnableCDI,
		CNIBinDir:             cri.NetworkPluginBinDir,
		CNIConfDir:            cri.NetworkPluginConfDir,
	}
	for name, rt := range cri.ContainerdConfig.Runtimes {
		r.Runtimes[name] = runtimeOf(rt.Type, rt.Options)
	}
	if _, err := config.ValidatePluginConfig(context.Background(), &cri); err != nil {
		r.CRIError = err.Error()
	}
	return r
}

func checkHosts(certsDir, host string) ([]hostResult, error) {
	resolve := hostsconfig.ConfigureHosts(context.Background(), hostsconfig.HostOptions{HostDir: hostsconfig.HostDirFromRoot(certsDir)})
	hosts, err := resolve(host)
	if err != nil {
		return nil, err
	}
	out := make([]hostResult, 0, len(hosts))
	for _, h := range hosts {
		out = append(out, hostResult{Host: h.Host, Scheme: h.Scheme, Path: h.Path, roots: rootsOf(h.Client)})
	}
	return out, nil
}

// ---- shared shape (kept identical in ../containerd-2/main.go; the two modules cannot share a package) ----

type runtimeResult struct {
	Type          string `json:"type"`
	BinaryName    string `json:"binaryName"`
	SystemdCgroup bool   `json:"systemdCgroup"`
}

type containerdResult struct {
	ID                    string                   `json:"id"`
	LoadError             string                   `json:"loadError,omitempty"`
	CRIError              string                   `json:"criError,omitempty"`
	DefaultRuntime        string                   `json:"defaultRuntime"`
	Runtimes              map[string]runtimeResult `json:"runtimes"`
	SandboxImage          string                   `json:"sandboxImage"`
	DiscardUnpackedLayers bool                     `json:"discardUnpackedLayers"`
	ConfigPath            string                   `json:"configPath"`
	CDIEnabled            bool                     `json:"cdiEnabled"`
	CNIBinDir             string                   `json:"cniBinDir"`
	CNIConfDir            string                   `json:"cniConfDir"`
}

type hostResult struct {
	Host        string `json:"host"`
	Scheme      string `json:"scheme"`
	Path        string `json:"path"`
	TrustsCA    bool   `json:"trustsCa"`
	VerifyError string `json:"verifyError,omitempty"`
	roots       *x509.CertPool
}

type hostsResult struct {
	ID    string       `json:"id"`
	Error string       `json:"error,omitempty"`
	Hosts []hostResult `json:"hosts"`
}

type job struct {
	Containerd []struct {
		ID     string `json:"id"`
		Base   string `json:"base"`
		Dropin string `json:"dropin"`
	} `json:"containerd"`
	Hosts []struct {
		ID        string `json:"id"`
		Host      string `json:"host"`
		HostsToml string `json:"hostsToml"`
		CAPem     string `json:"caPem"`
	} `json:"hosts"`
}

const (
	importGlob = `"/etc/containerd/config.d/*.toml"`
	certsRoot  = "/etc/containerd/certs.d/"
)

func runtimeOf(typ string, options map[string]interface{}) runtimeResult {
	r := runtimeResult{Type: typ}
	r.BinaryName, _ = options["BinaryName"].(string)
	r.SystemdCgroup, _ = options["SystemdCgroup"].(bool)
	return r
}

// layout writes base and drop-in as nodeadm does, under root instead of /, and returns the base's path.
func layout(root, base, dropin string) (string, error) {
	if strings.Count(base, importGlob) != 1 {
		return "", fmt.Errorf("base config must import %s exactly once", importGlob)
	}
	dir := filepath.Join(root, "etc/containerd")
	if err := os.MkdirAll(filepath.Join(dir, "config.d"), 0o755); err != nil {
		return "", err
	}
	base = strings.Replace(base, importGlob, fmt.Sprintf("%q", filepath.Join(dir, "config.d/*.toml")), 1)
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(base), 0o644); err != nil {
		return "", err
	}
	if dropin != "" {
		if err := os.WriteFile(filepath.Join(dir, "config.d/00-nodeadm.toml"), []byte(dropin), 0o644); err != nil {
			return "", err
		}
	}
	return path, nil
}

// rootsOf is the CA pool a host's client verifies servers with; nil means the system roots.
func rootsOf(c *http.Client) *x509.CertPool {
	if c == nil {
		return nil
	}
	if t, ok := c.Transport.(*http.Transport); ok && t.TLSClientConfig != nil {
		return t.TLSClientConfig.RootCAs
	}
	return nil
}

func run(containerd func(root, base, dropin string) containerdResult, hosts func(certsDir, host string) ([]hostResult, error)) int {
	var in job
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintf(os.Stderr, "nodecheck: bad input: %v\n", err)
		return 2
	}
	tmp, err := os.MkdirTemp("", "nodecheck-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	out := struct {
		Containerd []containerdResult `json:"containerd"`
		Hosts      []hostsResult      `json:"hosts"`
	}{Containerd: []containerdResult{}, Hosts: []hostsResult{}}
	for i, c := range in.Containerd {
		r := containerd(filepath.Join(tmp, fmt.Sprintf("c%d", i)), c.Base, c.Dropin)
		r.ID = c.ID
		out.Containerd = append(out.Containerd, r)
	}
	for i, h := range in.Hosts {
		r := hostsResult{ID: h.ID, Hosts: []hostResult{}}
		resolved, err := resolveHosts(filepath.Join(tmp, fmt.Sprintf("h%d", i)), h.Host, h.HostsToml, h.CAPem, hosts)
		if err != nil {
			r.Error = err.Error()
		}
		if resolved != nil {
			r.Hosts = resolved
		}
		out.Hosts = append(out.Hosts, r)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return 1
	}
	return 0
}

// resolveHosts installs hosts.toml and ca.crt in <certs.d>/<host>/ as the registry-ca-trust DaemonSet
// does (paths under /etc/containerd/certs.d/ moved under root), resolves the host with containerd's
// code, and checks each resulting host's CA pool against our CA by verifying the CA certificate with it.
func resolveHosts(root, host, hostsToml, caPem string, hosts func(certsDir, host string) ([]hostResult, error)) ([]hostResult, error) {
	certsDir := filepath.Join(root, "certs.d")
	dir := filepath.Join(certsDir, host)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	block, _ := pem.Decode([]byte(caPem))
	if block == nil {
		return nil, fmt.Errorf("caPem: no PEM block")
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("caPem: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.crt"), []byte(caPem), 0o644); err != nil {
		return nil, err
	}
	toml := strings.ReplaceAll(hostsToml, certsRoot, certsDir+"/")
	if err := os.WriteFile(filepath.Join(dir, "hosts.toml"), []byte(toml), 0o644); err != nil {
		return nil, err
	}
	resolved, err := hosts(certsDir, host)
	for i := range resolved {
		_, verr := ca.Verify(x509.VerifyOptions{Roots: resolved[i].roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		resolved[i].TrustsCA = verr == nil
		if verr != nil {
			resolved[i].VerifyError = verr.Error()
		}
	}
	return resolved, err
}
