import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { CA_SHA256_ANNOTATION, hostsToml, RegistryCaTrustChart } from '../charts/registry-ca-trust';
import { loadSite, type Site } from '../lib/site/site';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../lib/core/versions';
import { atVersion, findingsOf } from './fixtures/registry/sites';
import { siteVariantFile } from './helpers/site-variant';
import { setUp } from './helpers/set-up';

let example!: ReturnType<typeof loadSite>;
setUp(() => {
  example = loadSite('sites/example.yaml');
});
const CERTS_D = '/etc/containerd/certs.d/harbor.yourdomain.com';

type Json = any;

function synth(site: Site): Json[] {
  return Testing.synth(new RegistryCaTrustChart(Testing.app(), 'registry-ca-trust', { site }));
}
function daemonSet(site: Site): Json {
  return synth(site).find((o) => o.kind === 'DaemonSet');
}
function configMap(site: Site): Json {
  return synth(site).find((o) => o.kind === 'ConfigMap');
}
function podSpec(site: Site): Json {
  return daemonSet(site).spec.template.spec;
}
function allContainers(spec: Json): Json[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}
const withSystemTrust = (osFamily: 'debian' | 'rhel') => loadSite(siteVariantFile({ registryCaTrust: { systemTrust: { enabled: true, osFamily } } }));

describe('registry CA trust chart', () => {
  it('renders a ConfigMap and a DaemonSet in kube-system for the example site', () => {
    expect(synth(example)).toMatchSnapshot();
  });

  it('mounts no host path but the registry\'s certs.d directory', () => {
    const volumes = podSpec(example).volumes as Json[];
    expect(volumes.filter((v) => v.hostPath).map((v) => v.hostPath)).toEqual([{ path: CERTS_D, type: 'DirectoryOrCreate' }]);
  });

  it('with systemTrust, adds exactly the anchors directory of the OS family', () => {
    for (const [family, anchors] of [['debian', '/usr/local/share/ca-certificates'], ['rhel', '/etc/pki/ca-trust/source/anchors']] as const) {
      const hostPaths = (podSpec(withSystemTrust(family)).volumes as Json[]).filter((v) => v.hostPath).map((v) => v.hostPath.path);
      expect(hostPaths).toEqual([CERTS_D, anchors]);
    }
  });

  it('is unprivileged by default: no privileged container, no host namespaces, every capability dropped', () => {
    const spec = podSpec(example);
    expect(spec.hostPID).toBeUndefined();
    expect(spec.hostNetwork).toBeUndefined();
    expect(spec.hostIPC).toBeUndefined();
    for (const c of allContainers(spec)) {
      expect(c.securityContext.privileged ?? false, c.name).toBe(false);
      expect(c.securityContext.allowPrivilegeEscalation, c.name).toBe(false);
      expect(c.securityContext.readOnlyRootFilesystem, c.name).toBe(true);
      expect(c.securityContext.capabilities, c.name).toEqual({ drop: ['ALL'] });
    }
    // Root without capabilities: enough for the root-owned host directory, nothing more.
    expect(spec.initContainers[0].securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false });
    expect(spec.containers[0].securityContext).toMatchObject({ runAsUser: 65535, runAsNonRoot: true });
    expect(spec.securityContext).toEqual({ seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.automountServiceAccountToken).toBe(false);
  });

  it('with systemTrust, only the trust-store refresh is privileged, in the host PID namespace, and the API server accepts it', () => {
    const spec = podSpec(withSystemTrust('debian'));
    expect(spec.hostPID).toBe(true);
    const privileged = allContainers(spec).filter((c) => c.securityContext.privileged === true);
    expect(privileged.map((c) => c.name)).toEqual(['update-system-trust']);
    expect(privileged[0].securityContext.allowPrivilegeEscalation).toBeUndefined();
    expect(privileged[0].volumeMounts).toBeUndefined();
    expect(privileged[0].command).toEqual(['nsenter', '--target', '1', '--mount', '--', 'update-ca-certificates']);
    expect(podSpec(withSystemTrust('rhel')).initContainers[1].command).toEqual(['nsenter', '--target', '1', '--mount', '--', 'update-ca-trust', 'extract']);
  });

  it('wires the script to its mounts: the ConfigMap read-only at /config, certs.d (and with systemTrust the anchors) under /host', () => {
    const LABELS = { 'app.kubernetes.io/name': 'registry-ca-trust' };
    for (const [site, anchors] of [
      [example, undefined],
      [withSystemTrust('debian'), '/usr/local/share/ca-certificates'],
    ] as const) {
      const ds = daemonSet(site);
      const spec = ds.spec.template.spec;
      expect(ds.spec.selector).toEqual({ matchLabels: LABELS });
      expect(ds.spec.template.metadata.labels).toEqual(LABELS);
      expect(ds.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%' } });
      expect(spec.volumes).toEqual([
        { name: 'config', configMap: { name: 'registry-ca-trust', defaultMode: 0o444 } },
        { name: 'certs-d', hostPath: { path: CERTS_D, type: 'DirectoryOrCreate' } },
        ...(anchors ? [{ name: 'trust-anchors', hostPath: { path: anchors, type: 'Directory' } }] : []),
      ]);
      const [install] = spec.initContainers;
      expect(install.name).toBe('install-ca');
      expect(install.command.slice(0, 2)).toEqual(['sh', '-c']);
      expect(install.volumeMounts).toEqual([
        { name: 'config', mountPath: '/config', readOnly: true },
        { name: 'certs-d', mountPath: '/host/certs.d' },
        ...(anchors ? [{ name: 'trust-anchors', mountPath: '/host/anchors' }] : []),
      ]);
      // every `install_file SRC DIR NAME` reads a file of the ConfigMap's mount and writes into a mounted host folder
      const calls = (install.command[2] as string).split('\n').filter((l) => l.startsWith('install_file '));
      const mountOf = (path: string) => install.volumeMounts.find((m: Json) => path.startsWith(`${m.mountPath}/`) || path === m.mountPath);
      for (const call of calls) {
        const [, src, dir] = call.split(' ');
        expect(mountOf(src).name, call).toBe('config');
        expect(spec.volumes.find((v: Json) => v.name === mountOf(dir).name).hostPath, call).toBeDefined();
      }
      expect(calls).toHaveLength(anchors ? 3 : 2);
      expect(spec.containers.map((c: Json) => c.name)).toEqual(['pause']);
      expect(spec.enableServiceLinks).toBe(false);
      expect(spec.terminationGracePeriodSeconds).toBe(5);
    }
  });

  it('the trust-store refresh: the exact security context, and IfNotPresent like the others', () => {
    const spec = podSpec(withSystemTrust('rhel'));
    expect(spec.initContainers.map((c: Json) => c.name)).toEqual(['install-ca', 'update-system-trust']);
    expect(spec.initContainers[1].securityContext).toEqual({ privileged: true, runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, readOnlyRootFilesystem: true });
    for (const c of allContainers(spec)) expect(c.imagePullPolicy, c.name).toBe('IfNotPresent');
  });

  it('refuses to render without the CA the loader reads (a bug, not a user error)', () => {
    const without: Site = { ...example, inputs: { ...example.inputs, registryCa: undefined } };
    expect(() => synth(without)).toThrow('registry-ca-trust: the loader did not read registry.caFile');
  });

  it('runs on every hybrid node whatever its taints, as node-critical', () => {
    const spec = podSpec(example);
    expect(spec.nodeSelector).toEqual({ 'eks.amazonaws.com/compute-type': 'hybrid' });
    expect(spec.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(spec.priorityClassName).toBe('system-node-critical');
  });

  it('pins images from the config, with IfNotPresent and explicit requests and memory limits', () => {
    const site = loadSite(siteVariantFile({ registryCaTrust: { installerImage: 'mirror.example.com/busybox:1.36.1', pauseImage: 'mirror.example.com/pause:3.9' } }));
    const spec = podSpec(site);
    expect(allContainers(spec).map((c) => c.image)).toEqual(['mirror.example.com/busybox:1.36.1', 'mirror.example.com/pause:3.9']);
    for (const c of allContainers(podSpec(example))) {
      expect(c.imagePullPolicy).toBe('IfNotPresent');
      expect(Object.keys(c.resources.requests).sort()).toEqual(['cpu', 'memory']);
      expect(c.resources.limits.memory).toBeTruthy();
    }
  });

  it('carries the CA and a hosts.toml with one host, the registry, verified with the CA (no untrusted server fallback)', () => {
    const cm = configMap(example);
    expect(cm.metadata).toMatchObject({ name: 'registry-ca-trust', namespace: 'kube-system' });
    expect(cm.data['ca.crt']).toBe(readFileSync('sites/example-harbor-ca.crt', 'utf8'));
    expect(cm.data['hosts.toml']).toBe(hostsToml('harbor.yourdomain.com'));
    expect(cm.data['hosts.toml'].split('\n')).toEqual([
      '# Written by the registry-ca-trust DaemonSet (kube-system) of eks-hybrid-charts.',
      'server = "https://harbor.yourdomain.com"',
      'capabilities = ["pull", "resolve"]',
      `ca = "${CERTS_D}/ca.crt"`,
      '',
    ]);
    // a [host] table beside `server` would make containerd try the server as a second host with system roots only
    expect(cm.data['hosts.toml']).not.toContain('[host.');
  });

  it('rolls when the CA changes: the pod template carries the CA sha256', () => {
    const annotation = daemonSet(example).spec.template.metadata.annotations[CA_SHA256_ANNOTATION];
    expect(annotation).toBe(example.inputs.registryCa!.sha256);
    const other: Site = { ...example, inputs: { registryCa: { ...example.inputs.registryCa!, pem: 'other', sha256: 'f'.repeat(64) } } };
    expect(daemonSet(other).spec.template.metadata.annotations[CA_SHA256_ANNOTATION]).toBe('f'.repeat(64));
    // The selector never changes with the CA (a selector change would orphan the old pods).
    expect(daemonSet(other).spec.selector).toEqual(daemonSet(example).spec.selector);
  });

  describe('install script', () => {
    // The init container's script, run by sh against temporary folders in place of the mounts.
    function run(site: Site, root: string): string {
      const script = podSpec(site).initContainers[0].command[2].replace(/\/config\//g, `${root}/config/`).replace(/\/host\//g, `${root}/host/`);
      const result = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      return result.stdout;
    }
    function prepare(site: Site): string {
      const root = mkdtempSync(join(tmpdir(), 'ehc-ca-node-'));
      mkdirSync(join(root, 'config'));
      mkdirSync(join(root, 'host', 'certs.d'), { recursive: true });
      // read-only, as the ConfigMap volume's defaultMode 0444 presents them (cp keeps that mode)
      for (const [k, v] of Object.entries(configMap(site).data as Record<string, string>)) writeFileSync(join(root, 'config', k), v, { mode: 0o444 });
      return root;
    }

    it('writes ca.crt, then hosts.toml, and leaves no temporary file', () => {
      const root = prepare(example);
      expect(run(example, root)).toBe(`written: ${root}/host/certs.d/ca.crt\nwritten: ${root}/host/certs.d/hosts.toml\n`);
      expect(readFileSync(join(root, 'host/certs.d/ca.crt'), 'utf8')).toBe(configMap(example).data['ca.crt']);
      expect(readFileSync(join(root, 'host/certs.d/hosts.toml'), 'utf8')).toBe(configMap(example).data['hosts.toml']);
      expect(statSync(join(root, 'host/certs.d/ca.crt')).mode & 0o777).toBe(0o644);
      expect(statSync(join(root, 'host/certs.d/hosts.toml')).mode & 0o777).toBe(0o644);
      expect(spawnSync('ls', ['-A', join(root, 'host/certs.d')], { encoding: 'utf8' }).stdout).toBe('ca.crt\nhosts.toml\n');
    });

    it('is idempotent: an up-to-date node is not touched, a changed file is replaced', () => {
      const root = prepare(example);
      run(example, root);
      const inode = statSync(join(root, 'host/certs.d/ca.crt')).ino;
      expect(run(example, root)).toBe(`unchanged: ${root}/host/certs.d/ca.crt\nunchanged: ${root}/host/certs.d/hosts.toml\n`);
      expect(statSync(join(root, 'host/certs.d/ca.crt')).ino).toBe(inode);
      writeFileSync(join(root, 'host/certs.d/ca.crt'), 'stale');
      expect(run(example, root)).toBe(`written: ${root}/host/certs.d/ca.crt\nunchanged: ${root}/host/certs.d/hosts.toml\n`);
      expect(statSync(join(root, 'host/certs.d/ca.crt')).ino).not.toBe(inode);
    });

    it('stops at the first failure (set -eu): a missing source is an error, not a silent skip', () => {
      const root = prepare(example);
      const script = podSpec(example).initContainers[0].command[2].replace(/\/config\//g, `${root}/missing/`).replace(/\/host\//g, `${root}/host/`);
      const result = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
      expect(result.status).not.toBe(0);
      expect(result.stdout).not.toContain('written:');
      expect(spawnSync('ls', ['-A', join(root, 'host/certs.d')], { encoding: 'utf8' }).stdout).toBe('');
    });

    it('with systemTrust, also writes <registry>.crt into the anchors directory', () => {
      const site = withSystemTrust('debian');
      const root = prepare(site);
      mkdirSync(join(root, 'host', 'anchors'));
      expect(run(site, root)).toContain(`written: ${root}/host/anchors/harbor.yourdomain.com.crt\n`);
    });
  });

  it('refuses installer images from the registry it is about to trust', () => {
    const file = siteVariantFile({ registryCaTrust: { installerImage: 'harbor.yourdomain.com/library/busybox:1.37.0' } });
    expect(() => loadSite(file)).toThrow(
      `${file}: registryCaTrust.installerImage: must not come from harbor.yourdomain.com: nodes cannot pull from the registry before this DaemonSet made them trust its CA (got "harbor.yourdomain.com/library/busybox:1.37.0")`,
    );
  });

  it.each(SUPPORTED_KUBERNETES_VERSIONS)('passes strict validation for Kubernetes %s, with and without systemTrust', (version) => {
    expect(findingsOf(atVersion(example, version), ['registry-ca-trust'])).toEqual([]);
    expect(findingsOf(atVersion(withSystemTrust('rhel'), version), ['registry-ca-trust'])).toEqual([]);
  });
});
