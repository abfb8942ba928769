package dtls

import (
	"errors"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// TestConfigRule: every numeric field out of its documented range makes
// NewClient and NewServer fail with a *shared.ConfigError naming it; zero
// and the bounds are accepted (rtc-shared config rule).
func TestConfigRule(t *testing.T) {
	bad := []contracttest.BadConfig[Config]{
		{Field: "MTU", Config: Config{MTU: 255}}, {Field: "MTU", Config: Config{MTU: 65536}}, {Field: "MTU", Config: Config{MTU: -1}},
		{Field: "RetransmitInitial", Config: Config{RetransmitInitial: time.Millisecond}},
		{Field: "RetransmitInitial", Config: Config{RetransmitInitial: 61 * time.Second}},
		{Field: "RetransmitMax", Config: Config{RetransmitMax: 11 * time.Minute}},
		{Field: "RetransmitMax", Config: Config{RetransmitMax: -time.Second}},
		{Field: "RetransmitMax", Config: Config{RetransmitInitial: 2 * time.Second, RetransmitMax: time.Second}},
		{Field: "RetransmitMax", Config: Config{RetransmitMax: 500 * time.Millisecond}}, // below the 1 s default initial
		{Field: "HandshakeTimeout", Config: Config{HandshakeTimeout: time.Millisecond}},
		{Field: "HandshakeTimeout", Config: Config{HandshakeTimeout: -1}},
		{Field: "CookieLifetime", Config: Config{CookieLifetime: 999 * time.Millisecond}},
		{Field: "MaxHandshakeMessage", Config: Config{MaxHandshakeMessage: 63}},
		{Field: "MaxHandshakeMessage", Config: Config{MaxHandshakeMessage: 1 << 24}},
		{Field: "MaxCertificateChain", Config: Config{MaxCertificateChain: -5}},
		{Field: "MaxCertificateChain", Config: Config{MaxCertificateChain: 1 << 24}},
		{Field: "MaxBufferedHandshake", Config: Config{MaxBufferedHandshake: 255}},
		{Field: "MaxBufferedHandshake", Config: Config{MaxBufferedHandshake: 1<<30 + 1}},
		{Field: "MaxFragmentRanges", Config: Config{MaxFragmentRanges: -1}},
		{Field: "MaxFragmentRanges", Config: Config{MaxFragmentRanges: 65537}},
		{Field: "ReplayWindow", Config: Config{ReplayWindow: 63}},
		{Field: "ReplayWindow", Config: Config{ReplayWindow: 32769}},
		{Field: "ReplayWindow", Config: Config{ReplayWindow: -1}},
		{Field: "MaxQueued", Config: Config{MaxQueued: -1}}, {Field: "MaxQueued", Config: Config{MaxQueued: 3}},
		{Field: "MaxQueued", Config: Config{MaxQueued: 1<<20 + 1}},
		{Field: "MinVersion", Config: Config{MinVersion: 0x0303}},
		{Field: "MaxVersion", Config: Config{MaxVersion: 0xFEFF}},
		{Field: "MinVersion", Config: Config{MinVersion: VersionDTLS13, MaxVersion: VersionDTLS12}},
		{Field: "RecordSizeLimit", Config: Config{RecordSizeLimit: 63}},
		{Field: "RecordSizeLimit", Config: Config{RecordSizeLimit: 1<<14 + 2}},
		{Field: "RecordSizeLimit", Config: Config{RecordSizeLimit: -1}},
	}
	good := []Config{
		{MTU: 256}, {MTU: 65535}, {RetransmitInitial: 10 * time.Millisecond}, {RetransmitInitial: 60 * time.Second, RetransmitMax: 60 * time.Second},
		{RetransmitInitial: 50 * time.Millisecond, RetransmitMax: 100 * time.Millisecond}, {RetransmitMax: 10 * time.Minute},
		{HandshakeTimeout: 10 * time.Millisecond}, {CookieLifetime: time.Second},
		{MaxHandshakeMessage: 64}, {MaxHandshakeMessage: 1<<24 - 1}, {MaxCertificateChain: 64},
		{MaxBufferedHandshake: 256}, {MaxBufferedHandshake: 1 << 30}, {MaxFragmentRanges: 1}, {MaxFragmentRanges: 65536},
		{ReplayWindow: 64}, {ReplayWindow: 32768}, {MaxQueued: 4}, {MaxQueued: 1 << 20},
		{MinVersion: VersionDTLS13}, {MaxVersion: VersionDTLS12}, {MinVersion: VersionDTLS12, MaxVersion: VersionDTLS13},
		{RecordSizeLimit: 64}, {RecordSizeLimit: 1<<14 + 1},
	}
	for _, role := range []struct {
		name string
		fn   func(time.Time, shared.TransportContext, *Config) (*Conn, error)
	}{{"client", NewClient}, {"server", NewServer}} {
		t.Run(role.name, func(t *testing.T) {
			contracttest.ConfigRule(t, "dtls", func(c Config) error {
				c.Certificate, c.PeerFingerprints = testCertServer, []Fingerprint{fp(testCertClient)}
				_, err := role.fn(time.Unix(1_800_000_000, 0), shared.TransportContext{}, &c)
				return err
			}, bad, good...)
		})
	}
	// Validate alone gives the same answer.
	if err := (&Config{ReplayWindow: 1 << 20}).Validate(); !errors.Is(err, shared.ErrInvalidConfig) {
		t.Fatalf("Validate: %v", err)
	}
	if err := (&Config{}).Validate(); err != nil {
		t.Fatalf("zero Config: %v", err)
	}
}
