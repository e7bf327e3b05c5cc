// Command nodecheck-containerd2 loads containerd configs and registry hosts.toml files with containerd
// 2.x's own code: the daemon's LoadConfigWithPlugins with its default config and the registered plugins'
// config migrations (so version-2 files are migrated as on a node), the CRI runtime plugin's own init
// (whose first step is ValidateRuntimeConfig), and core/remotes/docker/config ConfigureHosts. It
// reports what containerd ends up with; test/nodes asserts on it.
package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"iter"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	srvconfig "github.com/containerd/containerd/v2/cmd/containerd/server/config"
	hostsconfig "github.com/containerd/containerd/v2/core/remotes/docker/config"
	"github.com/containerd/containerd/v2/plugins"
	_ "github.com/containerd/containerd/v2/plugins/cri" // registers the version-2 CRI section's migration
	_ "github.com/containerd/containerd/v2/plugins/cri/images"
	_ "github.com/containerd/containerd/v2/plugins/cri/runtime"
	"github.com/containerd/containerd/v2/version"
	"github.com/containerd/plugin"
	"github.com/containerd/plugin/registry"
)

func main() { os.Exit(run(checkContainerd, checkHosts)) }

// criRuntime and criImages are the parts of the two CRI plugins' configs the checks read (their types
// are internal to containerd, so they are read back through the JSON the plugin itself would log).
type criRuntime struct {
	Containerd struct {
		DefaultRuntimeName string `json:"defaultRuntimeName"`
		Runtimes           map[string]struct {
			Type    string         `json:"runtimeType"`
			Options map[string]any `json:"options"`
		} `json:"runtimes"`
	} `json:"containerd"`
	CNI struct {
		BinDirs []string `json:"binDirs"`
		ConfDir string   `json:"confDir"`
	} `json:"cni"`
	CDISpecDirs []string `json:"cdiSpecDirs"`
}

type criImages struct {
	DiscardUnpackedLayers bool              `json:"discardUnpackedLayers"`
	PinnedImages          map[string]string `json:"pinned_images"`
	Registry              struct {
		ConfigPath string `json:"configPath"`
	} `json:"registry"`
}

// checkContainerd writes the base config and the drop-in where nodeadm puts them (under root), loads
// them as the daemon does (its default config: version 3) and initialises the CRI runtime plugin.
func checkContainerd(root, base, dropin string) containerdResult {
	path, err := layout(root, base, dropin)
	if err != nil {
		return containerdResult{LoadError: err.Error()}
	}
	ctx := context.Background()
	graph := registry.Graph(func(*plugin.Registration) bool { return false })
	loaded := &srvconfig.Config{Version: version.ConfigVersion, Plugins: map[string]any{}}
	if err := srvconfig.LoadConfigWithPlugins(ctx, path, func() iter.Seq[plugin.Registration] { return slices.Values(graph) }, loaded); err != nil {
		return containerdResult{LoadError: err.Error()}
	}
	var rt criRuntime
	var img criImages
	r := containerdResult{Runtimes: map[string]runtimeResult{}}
	for _, reg := range graph {
		switch reg.URI() {
		case "io.containerd.cri.v1.runtime":
			if err := decode(ctx, loaded, reg, &rt); err != nil {
				return containerdResult{LoadError: err.Error()}
			}
			if err := initRuntime(ctx, root, reg); err != nil {
				r.CRIError = err.Error()
			}
		case "io.containerd.cri.v1.images":
			if err := decode(ctx, loaded, reg, &img); err != nil {
				return containerdResult{LoadError: err.Error()}
			}
		}
	}
	r.DefaultRuntime = rt.Containerd.DefaultRuntimeName
	for name, x := range rt.Containerd.Runtimes {
		r.Runtimes[name] = runtimeOf(x.Type, x.Options)
	}
	r.SandboxImage = img.PinnedImages["sandbox"]
	r.DiscardUnpackedLayers = img.DiscardUnpackedLayers
	r.ConfigPath = img.Registry.ConfigPath
	// containerd 2 has no enable_cdi (its migration drops the key): CDI is always on, reading these dirs.
	r.CDIEnabled = len(rt.CDISpecDirs) > 0
	r.CNIBinDir = strings.Join(rt.CNI.BinDirs, ":")
	r.CNIConfDir = rt.CNI.ConfDir
	return r
}

// decode fills the plugin's own (defaulted) config from the loaded file and reads it back into out.
func decode(ctx context.Context, loaded *srvconfig.Config, reg plugin.Registration, out any) error {
	cfg, err := loaded.Decode(ctx, reg.URI(), reg.Config)
	if err != nil {
		return fmt.Errorf("decode %s: %v", reg.URI(), err)
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// initRuntime runs the CRI runtime plugin's init, which validates its config before anything else.
// Only that validation's error counts: later steps need a running daemon (other plugins) and fail here.
func initRuntime(ctx context.Context, root string, reg plugin.Registration) error {
	ic := plugin.NewContext(ctx, plugin.NewPluginSet(), map[string]string{
		plugins.PropertyRootDir:  filepath.Join(root, "var/lib/containerd", reg.URI()),
		plugins.PropertyStateDir: filepath.Join(root, "run/containerd", reg.URI()),
	})
	ic.Config = reg.Config
	_, err := reg.InitFn(ic)
	if err != nil && strings.HasPrefix(err.Error(), "invalid plugin config") {
		return err
	}
	return nil
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

// ---- shared shape (kept identical in ../containerd-1.7/main.go; the two modules cannot share a package) ----

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

func runtimeOf(typ string, options map[string]any) runtimeResult {
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
