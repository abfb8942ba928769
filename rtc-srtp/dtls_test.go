package srtp

import (
	"bytes"
	"errors"
	"testing"
)

// fakeExporter stands in for a DTLS connection's RFC 5705 exporter.
type fakeExporter struct {
	material []byte
	label    string
	context  []byte
	length   int
	err      error
}

func (f *fakeExporter) ExportKeyingMaterial(label string, context []byte, length int) ([]byte, error) {
	f.label, f.context, f.length = label, context, length
	if f.err != nil {
		return nil, f.err
	}
	return f.material[:length], nil
}

// TestConfigsFromExporter: RFC 5764 §4.2: EXTRACTOR-dtls_srtp, no context,
// 2*(key+salt) octets for the negotiated profile, split as ConfigsFromDTLS
// splits them, for every profile.
func TestConfigsFromExporter(t *testing.T) {
	material := make([]byte, 128)
	for i := range material {
		material[i] = byte(i)
	}
	for _, p := range Profiles() {
		e := &fakeExporter{material: material}
		local, remote, err := ConfigsFromExporter(Config{Profile: p}, e, RoleServer)
		if err != nil {
			t.Fatalf("%v: %v", p, err)
		}
		if e.label != ExporterLabel || e.context != nil || e.length != p.KeyingMaterialLen() {
			t.Fatalf("%v: exported %q %v %d", p, e.label, e.context, e.length)
		}
		wl, wr, err := ConfigsFromDTLS(Config{Profile: p}, material[:e.length], RoleServer)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(local.MasterKey, wl.MasterKey) || !bytes.Equal(remote.MasterSalt, wr.MasterSalt) {
			t.Fatalf("%v: split differs from ConfigsFromDTLS", p)
		}
	}
	if _, _, err := ConfigsFromExporter(Config{Profile: 0x99}, &fakeExporter{material: material}, RoleClient); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("unknown profile: %v", err)
	}
	boom := errors.New("handshake not complete")
	if _, _, err := ConfigsFromExporter(Config{Profile: AEADAES128GCM}, &fakeExporter{err: boom}, RoleClient); !errors.Is(err, boom) {
		t.Fatalf("exporter error: %v", err)
	}
}

// TestParseProfile: both the registry name and OpenSSL's spelling, for
// every profile; unknown names fail.
func TestParseProfile(t *testing.T) {
	for _, p := range Profiles() {
		if got, ok := ParseProfile(p.String()); !ok || got != p {
			t.Fatalf("%v: %v %v", p, got, ok)
		}
	}
	for name, want := range map[string]Profile{
		"SRTP_AES128_CM_SHA1_80": AES128CMHMACSHA1_80, "SRTP_AES128_CM_SHA1_32": AES128CMHMACSHA1_32,
		"SRTP_AEAD_AES_128_GCM": AEADAES128GCM, "SRTP_AEAD_AES_256_GCM": AEADAES256GCM,
	} {
		if got, ok := ParseProfile(name); !ok || got != want {
			t.Fatalf("%s: %v %v", name, got, ok)
		}
	}
	for _, name := range []string{"", "SRTP_AES128_CM", "srtp_aead_aes_128_gcm"} {
		if _, ok := ParseProfile(name); ok {
			t.Fatalf("%q accepted", name)
		}
	}
}
