package dtls

import (
	"crypto/ecdsa"
	"crypto/x509"
	"slices"
	"testing"
	"time"
)

// TestSelfSignedECDSA checks the certificate GenerateCertificate encodes
// itself for ECDSA keys: the standard library parses it, finds the fields
// the x509 template gave before (RFC 5280 §4.1), and verifies its
// self-signature (CheckSignature: CheckSignatureFrom wants a CA), for both
// curves and for validity times outside 1950–2049 (GeneralizedTime, RFC 5280
// §4.1.2.5).
func TestSelfSignedECDSA(t *testing.T) {
	for _, tc := range []struct {
		name string
		kt   KeyType
		now  time.Time
		alg  x509.SignatureAlgorithm
	}{
		{"P-256", KeyECDSAP256, epoch0, x509.ECDSAWithSHA256},
		{"P-384", KeyECDSAP384, epoch0, x509.ECDSAWithSHA384},
		{"after 2049", KeyECDSAP256, time.Date(2049, 12, 20, 0, 0, 0, 0, time.UTC), x509.ECDSAWithSHA256},
		{"before 1950", KeyECDSAP256, time.Date(1950, 1, 1, 12, 0, 0, 0, time.UTC), x509.ECDSAWithSHA256},
		{"Unix epoch", KeyECDSAP256, time.Unix(0, 0), x509.ECDSAWithSHA256},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := GenerateCertificate(tc.now, tc.kt)
			if err != nil {
				t.Fatal(err)
			}
			x, err := x509.ParseCertificate(c.Certificate[0])
			if err != nil {
				t.Fatal(err)
			}
			if der := c.Certificate[0]; cap(der) > len(der)+len(der)/8 {
				t.Errorf("the %d-byte certificate keeps a %d-byte buffer", len(der), cap(der))
			}
			if err := x.CheckSignature(x.SignatureAlgorithm, x.RawTBSCertificate, x.Signature); err != nil {
				t.Fatalf("self-signature: %v", err)
			}
			if x.SignatureAlgorithm != tc.alg || x.Version != 3 || x.Subject.CommonName != "sansrtc" || x.Issuer.CommonName != "sansrtc" {
				t.Errorf("alg %v version %d subject %q issuer %q", x.SignatureAlgorithm, x.Version, x.Subject, x.Issuer)
			}
			if !x.NotBefore.Equal(tc.now.Add(-24*time.Hour).Truncate(time.Second)) || !x.NotAfter.Equal(tc.now.Add(30*24*time.Hour).Truncate(time.Second)) {
				t.Errorf("validity %v – %v", x.NotBefore, x.NotAfter)
			}
			if x.KeyUsage != x509.KeyUsageDigitalSignature || !slices.Equal(x.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}) {
				t.Errorf("key usage %v, extended %v", x.KeyUsage, x.ExtKeyUsage)
			}
			if !x.BasicConstraintsValid || x.IsCA {
				t.Errorf("basic constraints valid %v, CA %v", x.BasicConstraintsValid, x.IsCA)
			}
			if x.SerialNumber.Sign() <= 0 {
				t.Errorf("serial %v", x.SerialNumber)
			}
			pub, ok := x.PublicKey.(*ecdsa.PublicKey)
			if !ok || !pub.Equal(c.PrivateKey.Public()) {
				t.Error("public key does not match the private key")
			}
		})
	}
}

// BenchmarkGenerateCertificate is the per-PeerConnection cost of a fresh
// certificate (ECDSA P-256, what rtc makes when none is configured).
func BenchmarkGenerateCertificate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := GenerateCertificate(epoch0, KeyECDSAP256); err != nil {
			b.Fatal(err)
		}
	}
}
