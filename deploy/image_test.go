package deploy

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// buildah runs buildah with the storage driver image/build uses.
func buildah(t *testing.T, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("buildah")
	if err != nil {
		t.Fatal("buildah is not installed: run scripts/ensure-buildah (Debian: apt-get install buildah)")
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), "STORAGE_DRIVER=vfs")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("buildah %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return strings.TrimSpace(string(out))
}

// The image builds without a network, holds the two binaries and nothing
// else (no shell), runs as a non-root user with teegate as its entrypoint,
// and its binaries decide on the shipped examples as a local build does,
// teegate serve included (it runs teegate-serve beside it). Containers
// may not run here, so the test mounts the image's root filesystem and
// runs its binaries from there.
func TestImage(t *testing.T) {
	name := fmt.Sprintf("localhost/teegate-test:%d", time.Now().UnixNano())
	build := exec.Command("bash", "image/build", name)
	build.Env = append(os.Environ(), "BUILDAH_STORAGE_DRIVER=vfs")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("image/build: %v\n%s", err, out)
	}
	t.Cleanup(func() { buildah(t, "rmi", name) })

	var info struct {
		OCIv1 struct {
			Config struct {
				User         string              `json:"User"`
				Entrypoint   []string            `json:"Entrypoint"`
				ExposedPorts map[string]struct{} `json:"ExposedPorts"`
			} `json:"config"`
		} `json:"OCIv1"`
	}
	if err := json.Unmarshal([]byte(buildah(t, "inspect", "--type", "image", name)), &info); err != nil {
		t.Fatal(err)
	}
	cfg := info.OCIv1.Config
	if cfg.User != "65532:65532" || !slices.Equal(cfg.Entrypoint, []string{"/usr/local/bin/teegate"}) {
		t.Errorf("user %q, entrypoint %q; want 65532:65532 and /usr/local/bin/teegate", cfg.User, cfg.Entrypoint)
	}
	if _, ok := cfg.ExposedPorts["8340/tcp"]; !ok {
		t.Errorf("exposed ports %v, want 8340/tcp", cfg.ExposedPorts)
	}

	ctr := buildah(t, "from", "--quiet", name)
	t.Cleanup(func() { buildah(t, "rm", ctr) })
	root := buildah(t, "mount", ctr)
	t.Cleanup(func() { buildah(t, "umount", ctr) })
	var files []string
	var size int64
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files = append(files, rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Mode()&0o222 != 0 || fi.Mode()&os.ModeSymlink != 0 {
			t.Errorf("%s: mode %v, want read-only regular files", rel, fi.Mode())
		}
		size += fi.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"usr/local/bin/teegate", "usr/local/bin/teegate-serve"}; !slices.Equal(files, want) {
		t.Fatalf("the image holds %v, want only %v (no shell, no CA bundle)", files, want)
	}
	t.Logf("image contents: %d bytes", size)
	// The two binaries were 17.4 MB in all when this was written; a much
	// larger image has picked up something it should not hold.
	if size > 32<<20 {
		t.Errorf("the image holds %d bytes, more than 32 MiB", size)
	}
	// Static: no program interpreter (ld.so), so nothing else is needed.
	for _, f := range files {
		exe, err := elf.Open(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range exe.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s is dynamically linked", f)
			}
		}
		exe.Close()
	}

	bin := filepath.Join(root, "usr/local/bin/teegate")
	run := func(args ...string) (string, int) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = ".."
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	if out, code := run("check", "registry", "--registry", "examples/registry.json", "--events", "examples/events.json", "--now-unix", "1767225600"); code != 0 || !strings.Contains(out, `"decision": "allow"`) {
		t.Errorf("check registry: exit %d\n%s", code, out)
	}
	if out, code := run("gate", "--registry", "examples/registry.json", "--keyset", "examples/gate/keyset.json",
		"--revocation-registry", "examples/gate/revocation-bravo-revoked.json", "--session", "examples/gate/session.json", "--now-unix", "1767225600"); code != 1 || !strings.Contains(out, "selected_token_revoked") {
		t.Errorf("gate: exit %d\n%s", code, out)
	}
	// teegate serve runs the teegate-serve beside it: its usage, exit 2.
	if out, code := run("serve", "--help"); code != 2 || !strings.Contains(out, "Usage: teegate serve") {
		t.Errorf("serve --help: exit %d\n%s", code, out)
	}
}
