package service

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The operator's kit in deploy/ is tested here, beside the service whose
// metrics it reads. promtool comes with Debian's prometheus package;
// scripts/ensure-promtool installs it, and scripts/test runs that first.

const (
	alertsFile     = "../deploy/prometheus/alerts.yml"
	alertTestsFile = "../deploy/prometheus/alerts_test.yml"
	dashboardFile  = "../deploy/grafana/teegate.json"
)

func promtool(t *testing.T, args ...string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool is not installed: run scripts/ensure-promtool (Debian: apt-get install prometheus)")
	}
	out, err := exec.Command(path, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Every alert parses, and fires or stays silent on the synthetic series of
// alerts_test.yml as its cases say.
func TestAlertRules(t *testing.T) {
	promtool(t, "check", "rules", alertsFile)
	promtool(t, "test", "rules", alertTestsFile)
}

// dashboard is the part of a Grafana dashboard the tests read.
type dashboard struct {
	UID    string `json:"uid"`
	Panels []struct {
		ID      int    `json:"id"`
		Title   string `json:"title"`
		Targets []struct {
			RefID string `json:"refId"`
			Expr  string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

func readDashboard(t *testing.T) dashboard {
	t.Helper()
	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	return d
}

// Every panel of the dashboard has a query, and every query parses as
// PromQL: each becomes a recording rule, with Grafana's variables given
// values, for promtool to check.
func TestDashboardQueriesParse(t *testing.T) {
	d := readDashboard(t)
	if d.UID == "" || len(d.Panels) == 0 {
		t.Fatalf("%s: no uid or no panels", dashboardFile)
	}
	grafana := strings.NewReplacer("$__rate_interval", "5m", "$__range", "1h", "$job", ".*", "$instance", ".*")
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	ids := map[int]bool{}
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d is used twice", p.ID)
		}
		ids[p.ID] = true
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			expr, err := json.Marshal(grafana.Replace(q.Expr)) // a JSON string is a YAML string
			if err != nil {
				t.Fatal(err)
			}
			rules.WriteString("      - record: dashboard:panel" + q.RefID + "\n        expr: " + string(expr) + "\n")
		}
	}
	file := filepath.Join(t.TempDir(), "dashboard-rules.yml")
	if err := os.WriteFile(file, []byte(rules.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	promtool(t, "check", "rules", file)
}

// metricName finds the teegate metric names a rule or query reads.
var metricName = regexp.MustCompile(`\bteegate_[a-z0-9_]+`)

// Every metric the alerts and the dashboard read is one the service
// exports, read from a live /metrics after a decision, a refusal and a
// reload have made every family appear.
func TestDeployMetricsAreExported(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	if r := ts.post(t, "/v1/gate", f.session); r.status != 200 {
		t.Fatalf("gate: %d %s", r.status, r.body)
	}
	f.clock.Set(testNow + 41) // a stale denylist: a decision with reasons
	if r := ts.post(t, "/v1/gate", f.session); r.status != 200 || !bytes.Contains(r.body, []byte(`"reject"`)) {
		t.Fatalf("gate on a stale denylist: %d %s", r.status, r.body)
	}
	if r := ts.do(t, "POST", "/v1/gate", "text/plain", f.session); r.status != 415 {
		t.Fatalf("a refused request: %d", r.status)
	}
	exported := map[string]bool{}
	for line := range strings.Lines(string(ts.get(t, "/metrics").body)) {
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
			fields := strings.Fields(name)
			exported[fields[0]] = true
			if fields[1] == "histogram" {
				for _, s := range []string{"_bucket", "_count", "_sum"} {
					exported[fields[0]+s] = true
				}
			}
		}
	}
	alerts, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	dash, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	for file, data := range map[string][]byte{alertsFile: alerts, dashboardFile: dash} {
		names := metricName.FindAll(data, -1)
		if len(names) == 0 {
			t.Fatalf("%s names no teegate metric", file)
		}
		for _, n := range names {
			if !exported[string(n)] {
				t.Errorf("%s reads %s, which the service does not export", file, n)
			}
		}
	}
	// The dashboard covers what issue 18 asks of it.
	for _, m := range []string{"teegate_decisions_total", "teegate_decision_reasons_total", "teegate_decision_duration_seconds_bucket",
		"teegate_denylist_age_seconds", "teegate_reloads_total", "teegate_signature_cache_hits_total"} {
		if !bytes.Contains(dash, []byte(m)) {
			t.Errorf("the dashboard has no panel on %s", m)
		}
	}
}
