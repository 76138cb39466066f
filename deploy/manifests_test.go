package deploy

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/go-json-experiment/json"
)

// decodeStrict decodes a YAML document into v as the API server's strict
// field validation would: a repeated key, an unknown field or a field
// spelt in another case fails (encoding/json would match
// readOnlyRootFileSystem to readOnlyRootFilesystem).
func decodeStrict(doc []byte, v any) error {
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	return json.Unmarshal(j, v, json.RejectUnknownMembers(true))
}

// kustomization is the part of a kustomization.yaml this kit uses.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
}

// manifests reads every object of kubernetes/, each decoded strictly into
// its API type: an unknown or misspelt field, a wrong type or a duplicate
// field fails, as the API server's strict field validation would.
type manifests struct {
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	pdbs        []*policyv1.PodDisruptionBudget
}

func readManifests(t *testing.T) manifests {
	t.Helper()
	data, err := os.ReadFile("kubernetes/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := decodeStrict(data, &k); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	files, _ := filepath.Glob("kubernetes/*.yaml")
	var listed []string
	for _, r := range k.Resources {
		listed = append(listed, filepath.Join("kubernetes", r))
	}
	listed = append(listed, "kubernetes/kustomization.yaml")
	slices.Sort(files)
	slices.Sort(listed)
	if !slices.Equal(files, listed) {
		t.Fatalf("kustomization.yaml lists %v; the directory holds %v", listed, files)
	}
	var m manifests
	for _, r := range k.Resources {
		data, err := os.ReadFile(filepath.Join("kubernetes", r))
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range bytes.Split(data, []byte("\n---\n")) {
			where := fmt.Sprintf("%s, document %d", r, i+1)
			var meta struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := yaml.Unmarshal(doc, &meta); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			var obj any
			switch meta.APIVersion + " " + meta.Kind {
			case "apps/v1 Deployment":
				d := new(appsv1.Deployment)
				m.deployments, obj = append(m.deployments, d), d
			case "v1 Service":
				s := new(corev1.Service)
				m.services, obj = append(m.services, s), s
			case "policy/v1 PodDisruptionBudget":
				p := new(policyv1.PodDisruptionBudget)
				m.pdbs, obj = append(m.pdbs, p), p
			default:
				t.Fatalf("%s: %s %s is not a kind this kit uses", where, meta.APIVersion, meta.Kind)
			}
			if err := decodeStrict(doc, obj); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
		}
	}
	return m
}

// builtDir is where buildTeegate built the binaries; TestMain removes it.
var builtDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if builtDir != "" {
		os.RemoveAll(builtDir)
	}
	os.Exit(code)
}

// buildTeegate builds teegate and teegate-serve from this checkout into a
// temporary directory, once per test binary.
var buildTeegate = func() func(t *testing.T) string {
	var once sync.Once
	var dir string
	var err error
	var out []byte
	return func(t *testing.T) string {
		t.Helper()
		once.Do(func() {
			dir, err = os.MkdirTemp("", "teegate-deploy-test-")
			if err != nil {
				return
			}
			builtDir = dir
			build := exec.Command("go", "build", "-o", dir+"/", "./cmd/teegate", "./cmd/teegate-serve")
			build.Dir = ".."
			out, err = build.CombinedOutput()
		})
		if err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		return dir
	}
}()

// serveFlags are the flags teegate serve takes, read from its usage line.
func serveFlags(t *testing.T) map[string]bool {
	t.Helper()
	out, _ := exec.Command(filepath.Join(buildTeegate(t), "teegate"), "serve", "--help").CombinedOutput()
	flags := map[string]bool{}
	for _, f := range regexp.MustCompile(`--[a-z-]+`).FindAll(out, -1) {
		flags[string(f)] = true
	}
	if !flags["--registry"] || !flags["--listen"] {
		t.Fatalf("no flags in teegate serve --help:\n%s", out)
	}
	return flags
}

// serveArgs reads a container's arguments as teegate's CLI does: serve,
// then each flag followed by its value.
func serveArgs(t *testing.T, args []string) map[string]string {
	t.Helper()
	if len(args) == 0 || args[0] != "serve" {
		t.Fatalf("args %v, want teegate serve", args)
	}
	values := map[string]string{}
	rest := args[1:]
	for len(rest) > 0 {
		if len(rest) < 2 || !strings.HasPrefix(rest[0], "--") || strings.Contains(rest[0], "=") {
			t.Fatalf("arguments %q: want a flag, then its value (teegate takes no --flag=value)", rest)
		}
		values[rest[0]] = rest[1]
		rest = rest[2:]
	}
	return values
}

func TestManifests(t *testing.T) {
	m := readManifests(t)
	if len(m.deployments) != 2 || len(m.services) != 2 || len(m.pdbs) != 1 {
		t.Fatalf("%d deployments, %d services, %d disruption budgets; want the gate's and a verifier's, and the gate's budget",
			len(m.deployments), len(m.services), len(m.pdbs))
	}
	flags := serveFlags(t)
	for _, d := range m.deployments {
		t.Run(d.Name, func(t *testing.T) { checkDeployment(t, d, flags) })
		pods := labels.Set(d.Spec.Template.Labels)
		sel := labels.SelectorFromSet(d.Spec.Selector.MatchLabels)
		if !sel.Matches(pods) {
			t.Errorf("%s: its selector does not select its own pods", d.Name)
		}
		served := 0
		for _, s := range m.services {
			if labels.SelectorFromSet(s.Spec.Selector).Matches(pods) {
				served++
				if p := s.Spec.Ports; len(p) != 1 || p[0].TargetPort.String() != "http" {
					t.Errorf("service %s: ports %+v, want one, to the pods' http port", s.Name, p)
				}
			}
		}
		if served != 1 {
			t.Errorf("%s: %d services select its pods, want 1", d.Name, served)
		}
	}
	gate := m.deployments[0]
	pdb := m.pdbs[0]
	sel := labels.SelectorFromSet(pdb.Spec.Selector.MatchLabels)
	if !sel.Matches(labels.Set(gate.Spec.Template.Labels)) || sel.Matches(labels.Set(m.deployments[1].Spec.Template.Labels)) {
		t.Errorf("the disruption budget must select the gate's pods and no verifier's")
	}
	if pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() != 1 || *gate.Spec.Replicas < 2 {
		t.Errorf("the gate's budget and replicas leave no replica deciding during a drain")
	}
}

// checkDeployment: the pod runs teegate serve unprivileged, on a read-only
// root, with probes on the service's own endpoints, resources bounded,
// and its documents (and key) mounted read-only.
func checkDeployment(t *testing.T, d *appsv1.Deployment, flags map[string]bool) {
	pod := d.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	psc, sc := pod.SecurityContext, c.SecurityContext
	switch {
	case psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0:
		t.Error("the pod may run as root")
	case psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault:
		t.Error("no RuntimeDefault seccomp profile")
	case sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Error("privilege escalation is allowed")
	case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Error("the root filesystem is writable")
	case sc.Privileged != nil && *sc.Privileged:
		t.Error("the container is privileged")
	case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0:
		t.Error("capabilities are not all dropped")
	case pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken:
		t.Error("the pod mounts a service account token it has no use for")
	}
	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil || p.probe.HTTPGet.Path != p.path || p.probe.HTTPGet.Port.String() != "http" {
			t.Errorf("%s probe: want GET %s on the http port", p.name, p.path)
		}
	}
	if len(c.Ports) != 1 || c.Ports[0].Name != "http" || c.Ports[0].ContainerPort != 8340 {
		t.Errorf("ports %+v, want http on 8340", c.Ports)
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if c.Resources.Requests.Name(r, "").IsZero() {
			t.Errorf("no %s request", r)
		}
	}
	if mem := c.Resources.Limits.Memory(); mem.IsZero() || mem.Value() < 384<<20 {
		t.Errorf("memory limit %v: the 256 MiB request-body budget needs room beside the heap", mem)
	}
	// teegate serve with flags it knows, listening beyond loopback on the
	// container port, on documents from the read-only mounts.
	args := serveArgs(t, c.Args)
	mounts := map[string]corev1.VolumeMount{}
	for _, vm := range c.VolumeMounts {
		if !vm.ReadOnly {
			t.Errorf("volume %s is mounted writable", vm.Name)
		}
		mounts[vm.Name] = vm
	}
	for flag := range args {
		if !flags[flag] {
			t.Errorf("%s is not a flag teegate serve knows", flag)
		}
	}
	if args["--listen"] != "0.0.0.0:8340" {
		t.Errorf("--listen %q: want 0.0.0.0:8340 in a pod", args["--listen"])
	}
	for _, flag := range []string{"--registry", "--keyset", "--revocation-registry", "--attest-policy", "--attest-key"} {
		path, given := args[flag]
		if !given {
			continue
		}
		found := false
		for _, vm := range mounts {
			found = found || strings.HasPrefix(path, vm.MountPath+"/")
		}
		if !found {
			t.Errorf("%s %s is on no mounted volume", flag, path)
		}
	}
	// Documents come from ConfigMaps; a verifier's key from a Secret that
	// only an init container mounts, installed by it (teegate keygen
	// --from) into a memory-backed emptyDir that the service mounts
	// read-only: the service's key file is its user's own, mode 0600.
	secrets := map[string]bool{}
	keyVolumes := map[string]bool{}
	for _, v := range pod.Volumes {
		switch {
		case v.ConfigMap != nil:
		case v.Secret != nil:
			secrets[v.Name] = true
		case v.EmptyDir != nil && v.EmptyDir.Medium == corev1.StorageMediumMemory:
			keyVolumes[v.Name] = true
		default:
			t.Errorf("volume %s is not a ConfigMap, a Secret or an emptyDir in memory", v.Name)
		}
	}
	for name := range mounts {
		if secrets[name] {
			t.Errorf("the service mounts the Secret %s itself; its key must be installed", name)
		}
	}
	installed := ""
	for _, ic := range pod.InitContainers {
		isc := ic.SecurityContext
		if isc == nil || isc.AllowPrivilegeEscalation == nil || *isc.AllowPrivilegeEscalation ||
			isc.ReadOnlyRootFilesystem == nil || !*isc.ReadOnlyRootFilesystem ||
			isc.Capabilities == nil || !slices.Equal(isc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
			t.Errorf("init container %s: not as locked down as the service", ic.Name)
		}
		if len(ic.Args) != 5 || ic.Args[0] != "keygen" || ic.Args[1] != "--from" || ic.Args[3] != "--out" {
			t.Fatalf("init container %s: args %v, want keygen --from <secret> --out <key>", ic.Name, ic.Args)
		}
		on := func(path string, want map[string]bool) bool {
			for _, vm := range ic.VolumeMounts {
				if want[vm.Name] && strings.HasPrefix(path, vm.MountPath+"/") {
					return true
				}
			}
			return false
		}
		if !on(ic.Args[2], secrets) || !on(ic.Args[4], keyVolumes) {
			t.Errorf("init container %s: installs %s to %s, want from a Secret to an emptyDir in memory", ic.Name, ic.Args[2], ic.Args[4])
		}
		installed = ic.Args[4]
	}
	if key, verifier := args["--attest-key"]; verifier {
		if key != installed {
			t.Errorf("--attest-key %s is not the key the init container installs (%q)", key, installed)
		}
		if pod.SecurityContext.FSGroup == nil {
			t.Error("the Secret is readable by the service's user only through fsGroup")
		}
		if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
			t.Error("a verifier instance must not run twice during a rollout")
		}
	} else if len(pod.InitContainers) > 0 || len(secrets) > 0 {
		t.Error("a pod without the verifier role has a key")
	}
	if pod.TerminationGracePeriodSeconds == nil {
		t.Error("no termination grace period")
	}
	drain := args["--drain-delay"]
	if drain == "" {
		t.Error("no --drain-delay: load balancers would send requests to a leaving pod")
	}
}

// Each Deployment's arguments start teegate serve: the documents' mount
// paths are given the shipped examples' files (and the verifier's Secret a
// key file of mode 0440, as the kubelet leaves it), the address a free
// loopback port, and the clock the examples' instant; init containers run
// first, and the service must get as far as serving.
func TestManifestArgsStartTheService(t *testing.T) {
	m := readManifests(t)
	bin := buildTeegate(t)
	dir := t.TempDir()
	files := map[string]string{
		"documents/registry.json": "registry.json", "documents/keyset.json": "gate/keyset.json",
		"documents/attest-policy.json": "attest/policy.json", "revocation/revocation.json": "gate/revocation.json",
	}
	for dst, src := range files {
		data, err := os.ReadFile(filepath.Join("..", "examples", src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(dst)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dst), data, 0o444); err != nil {
			t.Fatal(err)
		}
	}
	// The Secret's file as the kubelet leaves it under fsGroup: 0440.
	for _, sub := range []string{"secret", "key"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	secret := filepath.Join(dir, "secret", "verifier.key")
	if out, err := exec.Command(filepath.Join(bin, "teegate"), "keygen", "--out", secret).CombinedOutput(); err != nil {
		t.Fatalf("keygen: %v\n%s", err, out)
	}
	if err := os.Chmod(secret, 0o440); err != nil {
		t.Fatal(err)
	}
	remap := func(args []string) []string {
		args = slices.Clone(args)
		for i, a := range args {
			switch {
			case strings.HasPrefix(a, "/etc/teegate/"):
				args[i] = filepath.Join(dir, strings.TrimPrefix(a, "/etc/teegate/"))
			case i > 0 && args[i-1] == "--listen":
				args[i] = "127.0.0.1:0"
			}
		}
		return args
	}
	for _, d := range m.deployments {
		t.Run(d.Name, func(t *testing.T) {
			for _, ic := range d.Spec.Template.Spec.InitContainers {
				if out, err := exec.Command(filepath.Join(bin, "teegate"), remap(ic.Args)...).CombinedOutput(); err != nil {
					t.Fatalf("init container %s: %v\n%s", ic.Name, err, out)
				}
			}
			args := append(remap(d.Spec.Template.Spec.Containers[0].Args), "--now-unix", "1767225600")
			cmd := exec.Command(filepath.Join(bin, "teegate"), args...)
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Wait()
			defer cmd.Process.Kill()
			lines := make(chan string)
			go func() {
				sc := bufio.NewScanner(stderr)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			var seen []string
			for {
				select {
				case line, ok := <-lines:
					if !ok {
						t.Fatalf("teegate %s ended before serving:\n%s", strings.Join(args, " "), strings.Join(seen, "\n"))
					}
					seen = append(seen, line)
					if strings.Contains(line, "msg=serving") {
						return
					}
				case <-time.After(20 * time.Second):
					t.Fatalf("teegate %s is not serving after 20 s:\n%s", strings.Join(args, " "), strings.Join(seen, "\n"))
				}
			}
		})
	}
}
