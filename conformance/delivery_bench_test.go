package conformance_test

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cocoder/cocoder/conformance"
	"github.com/cocoder/cocoder/run/ledger"
)

// TestDeliveryBenchmark measures, per CLI, the time from the lane's start
// to its confirmed delivery (p50, p95) and the false-delivery rate: a
// lane recorded as delivered whose prompt never reached the model. It
// runs only when COCODER_BENCH_DELIVERIES gives the number of lanes per
// CLI (bench/delivery.sh sets it); see docs/performance.md.
func TestDeliveryBenchmark(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("COCODER_BENCH_DELIVERIES"))
	if n <= 0 {
		t.Skip("set COCODER_BENCH_DELIVERIES=N to measure N deliveries per CLI (bench/delivery.sh)")
	}
	only := os.Getenv("COCODER_BENCH_CLIS")
	for _, c := range shippedCLIs {
		if only != "" && !slices.Contains(splitComma(only), c.name) {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			cli := c.cli(conformance.FindCLI(t, c.name))
			var took []time.Duration
			delivered, falseDelivered, missed := 0, 0, 0
			for range n {
				o := conformance.Run(t, cli, conformance.Matrix{Timeout: 90 * time.Second})
				var started, confirmed time.Time
				for _, ev := range o.Events {
					switch ev.Type {
					case ledger.EventLaneStarted:
						started = ev.Time
					case ledger.EventLanePromptDelivered:
						confirmed = ev.Time
					}
				}
				reached := slices.Contains(o.Model.Steps(), "read")
				switch {
				case o.Delivery.Delivered && !reached:
					falseDelivered++
				case !o.Delivery.Delivered && reached:
					missed++
				}
				if o.Delivery.Delivered {
					delivered++
					took = append(took, confirmed.Sub(started))
				}
			}
			slices.Sort(took)
			t.Logf("RESULT %s: %d lanes, %d delivered, start→confirmed p50 %s p95 %s, false deliveries %d/%d, unconfirmed but taken %d",
				c.name, n, delivered, pct(took, 50), pct(took, 95), falseDelivered, delivered, missed)
			if falseDelivered > 0 {
				t.Errorf("%d false deliveries", falseDelivered)
			}
		})
	}
}

func pct(d []time.Duration, p int) string {
	if len(d) == 0 {
		return "-"
	}
	i := (len(d)*p + 99) / 100
	return d[max(0, min(i, len(d))-1)].Round(10 * time.Millisecond).String()
}

func splitComma(s string) []string { return strings.Split(s, ",") }
