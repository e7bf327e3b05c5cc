// Command testenv starts a throwaway Kubernetes control plane (etcd and
// kube-apiserver, no nodes) on 127.0.0.1 for acceptance tests.
//
//	testenv --bin-dir DIR --minor 1.34            # run until SIGINT/SIGTERM (or stdin closes)
//	testenv --bin-dir DIR --minor 1.34 -- CMD...  # run CMD with KUBECONFIG set, then stop
//	testenv --bin-dir DIR --minor 1.34 --simulate --kwok-dir KDIR
//	                                              # also kube-controller-manager, kube-scheduler
//	                                              # and kwok (simulated nodes)
//
// DIR holds etcd, kube-apiserver and kubectl, and for --simulate also
// kube-controller-manager and kube-scheduler; KDIR holds kwok and stages.yaml
// (see tools/testenv/build).
// When the server is ready, one JSON line describing it is written to stdout.
// On exit both servers are stopped (process groups, SIGTERM then SIGKILL) and
// the temporary directory with data, keys and kubeconfig is removed (etcd data
// given with --etcd-data-dir is kept).
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// apiserverFlagsByMinor lists the flags that differ per Kubernetes minor.
// DRA: 1.33 needs the feature gate and the beta groups switched on; from 1.34
// resource.k8s.io/v1 is GA and served by default.
var apiserverFlagsByMinor = map[string][]string{
	"1.33": {
		"--feature-gates=DynamicResourceAllocation=true",
		"--runtime-config=resource.k8s.io/v1beta1=true,resource.k8s.io/v1beta2=true",
	},
	"1.34": {},
	"1.35": {},
}

// controlPlaneFlagsByMinor lists the kube-controller-manager and kube-scheduler
// flags that differ per minor (--simulate). On 1.33 the DRA gate must be on in
// both as well: without it the scheduler binds pods with unallocated claims and
// the controller-manager creates no ResourceClaim from a template.
var controlPlaneFlagsByMinor = map[string][]string{
	"1.33": {"--feature-gates=DynamicResourceAllocation=true"},
	"1.34": {},
	"1.35": {},
}

// KwokNodeAnnotation marks the nodes kwok manages (--simulate); a test creates
// its nodes with it.
const kwokNodeAnnotation = "kwok.x-k8s.io/node=fake"

type readyInfo struct {
	Kubeconfig    string `json:"kubeconfig"`
	Server        string `json:"server"`
	Dir           string `json:"dir"`
	Version       string `json:"version"`
	EtcdURL       string `json:"etcdURL"`
	EtcdPID       int    `json:"etcdPid"`
	APIServerPID  int    `json:"apiserverPid"`
	LauncherPID   int    `json:"launcherPid"`
	APIServerPort int    `json:"apiserverPort"`
	EtcdPort      int    `json:"etcdPort"`
	// --simulate only
	ControllerManagerPID int    `json:"controllerManagerPid,omitempty"`
	SchedulerPID         int    `json:"schedulerPid,omitempty"`
	KwokPID              int    `json:"kwokPid,omitempty"`
	KwokNodeAnnotation   string `json:"kwokNodeAnnotation,omitempty"`
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "testenv: "+format+"\n", args...)
}

func main() {
	os.Exit(run())
}

func run() int {
	binDir := flag.String("bin-dir", "", "directory holding etcd, kube-apiserver and kubectl")
	minor := flag.String("minor", "", "Kubernetes minor (selects per-version flags), e.g. 1.34")
	watchStdin := flag.Bool("watch-stdin", false, "also stop when stdin reaches EOF (parent went away)")
	keepLogs := flag.String("log-dir", "", "copy etcd and kube-apiserver logs here on exit")
	etcdData := flag.String("etcd-data-dir", "", "keep etcd's data in this directory (kept on exit, so a later start, e.g. of the next minor, serves the same objects)")
	simulate := flag.Bool("simulate", false, "also start kube-controller-manager, kube-scheduler and kwok (needs --kwok-dir)")
	kwokDir := flag.String("kwok-dir", "", "directory holding kwok and stages.yaml (tools/testenv/build kwok)")
	var extra multiFlag
	flag.Var(&extra, "apiserver-arg", "extra kube-apiserver flag (repeatable)")
	flag.Parse()
	if *binDir == "" || *minor == "" {
		logf("--bin-dir and --minor are required")
		return 2
	}
	if *simulate && *kwokDir == "" {
		logf("--simulate needs --kwok-dir")
		return 2
	}
	versionFlags, ok := apiserverFlagsByMinor[*minor]
	if !ok {
		logf("no flag table for Kubernetes %s", *minor)
		return 2
	}

	dir, err := os.MkdirTemp("", "eks-hybrid-testenv-")
	if err != nil {
		logf("%v", err)
		return 1
	}
	env := &environment{dir: dir, binDir: *binDir, simulate: *simulate, kwokDir: *kwokDir,
		controlPlaneFlags: controlPlaneFlagsByMinor[*minor]}
	if err := env.useEtcdDataDir(*etcdData); err != nil {
		logf("--etcd-data-dir: %v", err)
		return 2
	}
	defer func() {
		env.stop()
		if *keepLogs != "" {
			_ = os.MkdirAll(*keepLogs, 0o755)
			for _, f := range logFiles {
				if b, err := os.ReadFile(filepath.Join(dir, f)); err == nil {
					_ = os.WriteFile(filepath.Join(*keepLogs, f), b, 0o644)
				}
			}
		}
		if err := os.RemoveAll(dir); err != nil {
			logf("removing %s: %v", dir, err)
		}
	}()

	// Writing to stdout/stderr after the parent went away must not kill us
	// before cleaning up (Go's default for SIGPIPE on fd 1 and 2). Caught,
	// not ignored, so that the children start with the default disposition.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)

	// Signals arriving while starting up still lead to a clean stop.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case s := <-sigs:
			logf("received %v, stopping", s)
			cancel()
		case <-ctx.Done():
		}
	}()
	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			logf("stdin closed, stopping")
			cancel()
		}()
	}

	info, err := env.start(ctx, append(versionFlags, extra...))
	if err != nil {
		logf("start failed: %v", err)
		env.dumpLogs()
		return 1
	}
	for _, c := range env.children {
		select {
		case <-c.done:
		default:
			env.watch(c)
		}
	}
	if !strings.HasPrefix(info.Version, "v"+*minor+".") {
		logf("kube-apiserver in %s reports %q, not Kubernetes %s", *binDir, info.Version, *minor)
		return 1
	}
	info.LauncherPID = os.Getpid()
	line, _ := json.Marshal(info)
	fmt.Println(string(line))
	logf("ready: %s (%s), kubeconfig %s", info.Server, info.Version, info.Kubeconfig)

	if args := flag.Args(); len(args) > 0 {
		// Our etcd/kube-apiserver/kubectl come first, also for the command itself.
		name := args[0]
		if !strings.Contains(name, "/") {
			if _, err := os.Stat(filepath.Join(*binDir, name)); err == nil {
				name = filepath.Join(*binDir, name)
			}
		}
		cmd := exec.CommandContext(ctx, name, args[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		cmd.Env = append(os.Environ(), "KUBECONFIG="+info.Kubeconfig, "PATH="+*binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
		err := cmd.Run()
		var exitErr *exec.ExitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &exitErr):
			return exitErr.ExitCode()
		default:
			logf("%v", err)
			return 1
		}
	}

	select {
	case <-ctx.Done():
		return 0
	case name := <-env.died:
		logf("%s exited unexpectedly", name)
		env.dumpLogs()
		return 1
	}
}

// logFiles are the children's logs, as named in the temp dir.
var logFiles = []string{"etcd.log", "kube-apiserver.log", "kube-controller-manager.log", "kube-scheduler.log", "kwok.log"}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

type child struct {
	name    string
	cmd     *exec.Cmd
	done    chan struct{}
	watched bool // set once started: from then on an exit ends the environment
}

type environment struct {
	dir, binDir string
	simulate    bool
	kwokDir     string
	// kube-controller-manager and kube-scheduler flags for this minor (--simulate)
	controlPlaneFlags []string
	etcdData          string // etcd's data directory when given with --etcd-data-dir (not removed on exit)
	mu                sync.Mutex
	children          []*child
	died              chan string
	stopping          bool
}

func (e *environment) spawn(name string, args ...string) (*child, error) {
	logFile, err := os.Create(filepath.Join(e.dir, name+".log"))
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(e.binDir, name)
	if name == "kwok" {
		bin = filepath.Join(e.kwokDir, name)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Dir = e.dir
	// Own process group, so that stop() reaches everything the child started;
	// and killed if this launcher dies without a chance to clean up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	c := &child{name: name, cmd: cmd, done: make(chan struct{})}
	e.mu.Lock()
	e.children = append(e.children, c)
	if e.died == nil {
		e.died = make(chan string, 4)
	}
	died := e.died
	e.mu.Unlock()
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(c.done)
		e.mu.Lock()
		report := !e.stopping && c.watched
		e.mu.Unlock()
		if report {
			died <- name
		}
	}()
	return c, nil
}

// useEtcdDataDir makes etcd keep its data in dir (made absolute: children run
// in the temp dir) instead of the temp dir; "" keeps the default.
func (e *environment) useEtcdDataDir(dir string) error {
	if dir == "" {
		return nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return err
	}
	e.etcdData = abs
	return nil
}

// etcdDataDir is the --etcd-data-dir directory, else one inside the temp dir.
func (e *environment) etcdDataDir() string {
	if e.etcdData != "" {
		return e.etcdData
	}
	return filepath.Join(e.dir, "etcd-data")
}

// stop ends the children in reverse start order: SIGTERM to the process
// group, SIGKILL after a grace period.
func (e *environment) stop() {
	e.mu.Lock()
	e.stopping = true
	children := append([]*child(nil), e.children...)
	e.mu.Unlock()
	for i := len(children) - 1; i >= 0; i-- {
		c := children[i]
		select {
		case <-c.done:
			continue // already gone (e.g. a failed start that was retried)
		default:
		}
		pgid := c.cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-c.done:
		case <-time.After(15 * time.Second):
			logf("%s did not stop in time, killing", c.name)
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-c.done
		}
		// Anything left in the group (there should be nothing) goes too.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

func (e *environment) watch(c *child) {
	e.mu.Lock()
	c.watched = true
	e.mu.Unlock()
	select {
	case <-c.done:
		e.died <- c.name
	default:
	}
}

// startWithRetry starts a server on a port picked by freePort and waits for it.
// Picking a port and binding it are not atomic, so a start that fails because
// the port was taken meanwhile is retried with another port.
func (e *environment) startWithRetry(ctx context.Context, name string, timeout time.Duration,
	args func(port int) []string, ready func(port int) bool) (*child, int, error) {
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, 0, err
		}
		c, err := e.spawn(name, args(port)...)
		if err != nil {
			return nil, 0, fmt.Errorf("starting %s: %w", name, err)
		}
		err = waitFor(ctx, timeout, c, func() bool { return ready(port) })
		if err == nil {
			return c, port, nil
		}
		logText, _ := os.ReadFile(filepath.Join(e.dir, name+".log"))
		if attempt < 3 && strings.Contains(string(logText), "address already in use") {
			logf("%s: port %d was taken, retrying", name, port)
			_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
			<-c.done
			continue
		}
		return nil, 0, fmt.Errorf("%s: %w", name, err)
	}
}

func (e *environment) dumpLogs() {
	for _, f := range logFiles {
		b, err := os.ReadFile(filepath.Join(e.dir, f))
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		if len(lines) > 40 {
			lines = lines[len(lines)-40:]
		}
		logf("last lines of %s:\n%s", f, strings.Join(lines, "\n"))
	}
}

// freePort asks the kernel for an unused port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (e *environment) start(ctx context.Context, versionFlags []string) (*readyInfo, error) {
	// Service-account signing key (one ECDSA key serves signing and verifying).
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	// SEC1 "EC PRIVATE KEY": the form kube-apiserver reads as a verification key too.
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	saKey := filepath.Join(e.dir, "sa.key")
	if err := os.WriteFile(saKey, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, err
	}
	// Static token for the admin user (member of system:masters).
	tok := make([]byte, 24)
	if _, err := rand.Read(tok); err != nil {
		return nil, err
	}
	token := hex.EncodeToString(tok)
	tokens := filepath.Join(e.dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(token+`,admin,admin,"system:masters"`+"\n"), 0o600); err != nil {
		return nil, err
	}

	// etcd
	plain := &http.Client{Timeout: 2 * time.Second}
	etcdURLFor := func(port int) string { return "http://127.0.0.1:" + strconv.Itoa(port) }
	etcd, etcdPort, err := e.startWithRetry(ctx, "etcd", 60*time.Second, func(port int) []string {
		return []string{
			"--data-dir=" + e.etcdDataDir(),
			"--listen-client-urls=" + etcdURLFor(port),
			"--advertise-client-urls=" + etcdURLFor(port),
			"--listen-peer-urls=http://127.0.0.1:0",
			"--unsafe-no-fsync",
			"--log-level=warn",
		}
	}, func(port int) bool {
		resp, err := plain.Get(etcdURLFor(port) + "/health")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode == 200 && strings.Contains(string(b), `"health":"true"`)
	})
	if err != nil {
		return nil, err
	}
	etcdURL := etcdURLFor(etcdPort)
	logf("etcd ready on %s (pid %d)", etcdURL, etcd.cmd.Process.Pid)

	// kube-apiserver
	tlsClient := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // self-signed, loopback only
	}}
	serverFor := func(port int) string { return "https://127.0.0.1:" + strconv.Itoa(port) }
	getFrom := func(server, path string) (int, []byte) {
		req, _ := http.NewRequest(http.MethodGet, server+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := tlsClient.Do(req)
		if err != nil {
			return 0, nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	apiserver, port, err := e.startWithRetry(ctx, "kube-apiserver", 180*time.Second, func(port int) []string {
		args := []string{
			"--etcd-servers=" + etcdURL,
			"--bind-address=127.0.0.1",
			"--advertise-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(port),
			"--cert-dir=" + filepath.Join(e.dir, "certs"),
			"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
			"--service-account-key-file=" + saKey,
			"--service-account-signing-key-file=" + saKey,
			"--token-auth-file=" + tokens,
			"--authorization-mode=RBAC",
			"--service-cluster-ip-range=10.0.0.0/24",
			"--allow-privileged=true",
			"--endpoint-reconciler-type=none",
			"--profiling=false",
		}
		if e.simulate {
			// As on EKS: ServiceAccount admission (the controller-manager creates the
			// default service accounts), NodeRestriction, ExtendedResourceToleration.
			args = append(args, "--enable-admission-plugins=NodeRestriction,ExtendedResourceToleration")
		} else {
			// No controller-manager creates the default service accounts here.
			args = append(args, "--disable-admission-plugins=ServiceAccount")
		}
		return append(args, versionFlags...)
	}, func(port int) bool {
		if code, _ := getFrom(serverFor(port), "/readyz"); code != 200 {
			return false
		}
		code, _ := getFrom(serverFor(port), "/api/v1/namespaces/default")
		return code == 200
	})
	if err != nil {
		return nil, err
	}
	server := serverFor(port)
	get := func(path string) (int, []byte) { return getFrom(server, path) }
	_, vb := get("/version")
	var v struct {
		GitVersion string `json:"gitVersion"`
	}
	_ = json.Unmarshal(vb, &v)

	kubeconfig := filepath.Join(e.dir, "kubeconfig")
	kc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: testenv
  cluster:
    server: %s
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: %s
contexts:
- name: testenv
  context:
    cluster: testenv
    user: admin
current-context: testenv
`, server, token)
	if err := os.WriteFile(kubeconfig, []byte(kc), 0o600); err != nil {
		return nil, err
	}
	info := &readyInfo{
		Kubeconfig: kubeconfig, Server: server, Dir: e.dir, Version: v.GitVersion,
		EtcdURL: etcdURL, EtcdPID: etcd.cmd.Process.Pid, APIServerPID: apiserver.cmd.Process.Pid,
		APIServerPort: port, EtcdPort: etcdPort,
	}
	if e.simulate {
		if err := e.startSimulation(ctx, info, saKey); err != nil {
			return nil, err
		}
	}
	return info, nil
}

// startSimulation starts kube-controller-manager, kube-scheduler and kwok
// against the running kube-apiserver (--simulate). Each gets only --kubeconfig
// (delegated authentication against this apiserver, which has no client CA,
// floods their logs) and serves its health endpoint on a free loopback port.
func (e *environment) startSimulation(ctx context.Context, info *readyInfo, saKey string) error {
	insecure := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // self-signed, loopback only
	}}
	healthy := func(scheme string, port int, path string) bool {
		resp, err := insecure.Get(scheme + "://127.0.0.1:" + strconv.Itoa(port) + path)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return resp.StatusCode == 200
	}
	// start runs one component until its health endpoint answers, and returns its pid.
	start := func(name string, timeout time.Duration, scheme string, args func(port int) []string) (int, error) {
		c, _, err := e.startWithRetry(ctx, name, timeout, args, func(port int) bool { return healthy(scheme, port, "/healthz") })
		if err != nil {
			return 0, err
		}
		logf("%s ready (pid %d)", name, c.cmd.Process.Pid)
		return c.cmd.Process.Pid, nil
	}
	// controlPlane is what kube-controller-manager and kube-scheduler share: the apiserver's kubeconfig,
	// serving on loopback only from their own cert folder, one instance each (no leader election), no
	// profiling, and no client-side throttling (thousands of simulated pods), then their own flags.
	controlPlane := func(port int, certDir string, own ...string) []string {
		flags := []string{
			"--kubeconfig=" + info.Kubeconfig,
			"--bind-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(port),
			"--cert-dir=" + filepath.Join(e.dir, certDir),
			"--leader-elect=false",
			"--kube-api-qps=500",
			"--kube-api-burst=1000",
			"--profiling=false",
		}
		return append(append(flags, own...), e.controlPlaneFlags...)
	}

	var err error
	info.ControllerManagerPID, err = start("kube-controller-manager", 120*time.Second, "https", func(port int) []string {
		return controlPlane(port, "certs-kcm",
			"--service-account-private-key-file="+saKey,
			"--use-service-account-credentials=false",
			"--concurrent-daemonset-syncs=4",
			// kwok renews node leases for all simulated nodes; on a busy machine (1,000 nodes on 2
			// shared cores) it falls behind the default 50 s grace and nodes flap NotReady, which is
			// the simulator's problem, not the site's
			"--node-monitor-grace-period=5m",
		)
	})
	if err != nil {
		return err
	}
	info.SchedulerPID, err = start("kube-scheduler", 120*time.Second, "https", func(port int) []string {
		return controlPlane(port, "certs-sched")
	})
	if err != nil {
		return err
	}
	info.KwokPID, err = start("kwok", 60*time.Second, "http", func(port int) []string {
		return []string{
			"--kubeconfig=" + info.Kubeconfig,
			"--config=" + filepath.Join(e.kwokDir, "stages.yaml"),
			"--manage-nodes-with-annotation-selector=" + kwokNodeAnnotation,
			// heartbeat with leases, well inside the node-lifecycle controller's grace period
			"--node-lease-duration-seconds=40",
			"--cidr=172.16.0.0/12",
			"--server-address=127.0.0.1:" + strconv.Itoa(port),
		}
	})
	if err != nil {
		return err
	}
	info.KwokNodeAnnotation = kwokNodeAnnotation
	return nil
}

// waitFor polls ok until it returns true, the child exits, ctx ends or the timeout passes.
func waitFor(ctx context.Context, timeout time.Duration, c *child, ok func() bool) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-c.done:
			return fmt.Errorf("%s exited during startup", c.name)
		default:
		}
		if ok() {
			return nil
		}
		select {
		case <-c.done:
			return fmt.Errorf("%s exited during startup", c.name)
		case <-ctx.Done():
			return errors.New("interrupted")
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v", timeout)
		}
	}
}
