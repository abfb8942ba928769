package rtc

import (
	"crypto/x509"
	"testing"
	"time"
)

// TestGeneratedCertificateValidity: the certificate a PeerConnection makes
// for itself is valid from a day before Configuration.Now for 30 days, and
// from the Unix epoch when Now is zero, as Configuration.Now documents
// (before, a zero Now made it valid in the years 0 and 1).
func TestGeneratedCertificateValidity(t *testing.T) {
	now := time.Date(2026, 12, 7, 17, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		now  time.Time
		from time.Time
	}{
		{"Now set", now, now.Add(-24 * time.Hour)},
		{"Now zero", time.Time{}, time.Unix(0, 0).Add(-24 * time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pc, err := NewPeerConnection(Configuration{Now: tc.now})
			if err != nil {
				t.Fatal(err)
			}
			x, err := x509.ParseCertificate(pc.tr.cert.Certificate[0])
			if err != nil {
				t.Fatal(err)
			}
			if !x.NotBefore.Equal(tc.from) || !x.NotAfter.Equal(tc.from.Add(31*24*time.Hour)) {
				t.Errorf("valid %v to %v, want from %v for 31 days", x.NotBefore, x.NotAfter, tc.from)
			}
		})
	}
}
