package driver

import (
	"crypto/x509"
	"encoding/base64"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc"
)

// TestCertificateValidNow: a PeerConnection the driver makes without a
// Configuration.Now gets a certificate valid now (the driver gives it the
// time; before, its certificate was valid in the years 0 and 1).
func TestCertificateValidNow(t *testing.T) {
	d := New(Config{Addresses: loopback})
	defer d.Close()
	c, err := d.NewPeerConnection(rtc.Configuration{}, Handler{})
	if err != nil {
		t.Fatal(err)
	}
	var certs []rtc.StatsCertificate
	if err := c.Do(func(pc *rtc.PeerConnection) error {
		for _, s := range pc.GetStats(time.Now()) {
			if sc, ok := s.(rtc.StatsCertificate); ok {
				certs = append(certs, sc)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(certs) != 1 {
		t.Fatalf("%d certificates in the stats, want the local one", len(certs))
	}
	der, err := base64.StdEncoding.DecodeString(certs[0].Base64Certificate)
	if err != nil {
		t.Fatal(err)
	}
	x, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if now := time.Now(); now.Before(x.NotBefore) || now.After(x.NotAfter) {
		t.Errorf("certificate valid %v to %v, not now (%v)", x.NotBefore, x.NotAfter, now)
	}
}
