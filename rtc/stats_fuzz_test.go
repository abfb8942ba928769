package rtc

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzStatsReportJSON: UnmarshalJSON never panics, and what it accepts
// marshals back to JSON that reads back the same report.
func FuzzStatsReportJSON(f *testing.F) {
	f.Add([]byte(`{"P":{"id":"P","type":"peer-connection","timestamp":1,"dataChannelsOpened":1,"dataChannelsClosed":0}}`))
	f.Add([]byte(`{"T01":{"id":"T01","type":"transport","timestamp":1,"bytesSent":5,"selectedCandidatePairId":"CP1_2"}}`))
	f.Add([]byte(`{"x":{"id":"x","type":"media-source","timestamp":1,"kind":"audio"}}`))
	f.Add([]byte(`{"R":{"id":"R","type":"remote-inbound-rtp","timestamp":1,"roundTripTime":0.01,"ssrc":5}}`))
	f.Add([]byte(`{"D1":{"id":"D1","type":"data-channel","timestamp":1,"dataChannelIdentifier":1}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r StatsReport
		if err := json.Unmarshal(b, &r); err != nil {
			return
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("marshal of an accepted report: %v", err)
		}
		var back StatsReport
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-read %s: %v", out, err)
		}
		out2, err := json.Marshal(back)
		if err != nil {
			t.Fatal(err)
		}
		var g1, g2 any
		if err := json.Unmarshal(out, &g1); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(out2, &g2); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(g1, g2); d != "" {
			t.Fatalf("not stable (-first +second):\n%s", d)
		}
	})
}
