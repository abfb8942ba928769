package srtp

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ToLower(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

type keystreamVector struct {
	SessionKey string `json:"session_key"`
	OffsetIV   string `json:"offset_iv"`
	Blocks     []struct {
		Counter   string `json:"counter"`
		Keystream string `json:"keystream"`
	} `json:"keystream_blocks"`
}

type kdfVector struct {
	MasterKey   string `json:"master_key"`
	MasterSalt  string `json:"master_salt"`
	Derivations []struct {
		Label  string `json:"label"`
		Output string `json:"output"`
	} `json:"derivations"`
}

// checkKeystream runs the whole keystream segment of RFC 3711 B.2 / RFC
// 6188 §7.1, §7.3 and compares the printed counter blocks.
func checkKeystream(t *testing.T, v keystreamVector) {
	t.Helper()
	c, err := newCTRCipher(unhex(t, v.SessionKey))
	if err != nil {
		t.Fatal(err)
	}
	var iv [16]byte
	copy(iv[:], unhex(t, v.OffsetIV))
	ks := make([]byte, 65282*16)
	c.xorKeyStream(ks, &iv)
	for _, b := range v.Blocks {
		ctr := unhex(t, b.Counter)
		j := int(ctr[14])<<8 | int(ctr[15])
		if got, want := ks[16*j:16*j+16], unhex(t, b.Keystream); !bytes.Equal(got, want) {
			t.Errorf("block %#x: got %x, want %x", j, got, want)
		}
	}
}

func checkKDF(t *testing.T, v kdfVector, authLen int) {
	t.Helper()
	prf, err := newCTRCipher(unhex(t, v.MasterKey))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range v.Derivations {
		want := unhex(t, d.Output)
		label := unhex(t, strings.TrimPrefix(d.Label, "0x"))[0]
		got := make([]byte, len(want))
		deriveKey(prf, unhex(t, v.MasterSalt), label, got)
		if !bytes.Equal(got, want) {
			t.Errorf("label %d: got %x, want %x", label, got, want)
		}
	}
	_ = authLen
}

func TestRFC3711AppendixB(t *testing.T) {
	var f struct {
		Keystream keystreamVector `json:"aes_cm_keystream"`
		KDF       kdfVector       `json:"key_derivation"`
	}
	loadJSON(t, "rfc3711_srtp_vectors.json", &f)
	t.Run("B.2 AES-CM keystream", func(t *testing.T) { checkKeystream(t, f.Keystream) })
	t.Run("B.3 key derivation", func(t *testing.T) { checkKDF(t, f.KDF, 94) })

	// The B.3 master key derives the session keys the profile uses: check
	// that newKeySet puts them where the transforms read them.
	k, err := newKeySet(mustParams(AES128CMHMACSHA1_80), unhex(t, f.KDF.MasterKey), unhex(t, f.KDF.MasterSalt), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := k.rtpSalt[:], unhex(t, "30CBBC08863D8C85D49DB34A9AE1"); !bytes.Equal(got, want) {
		t.Errorf("k_s = %x, want %x", got, want)
	}
}

func TestRFC6188(t *testing.T) {
	var f struct {
		KS256  keystreamVector `json:"aes_256_cm_keystream"`
		KDF256 kdfVector       `json:"aes_256_cm_prf_kdf"`
		KS192  keystreamVector `json:"aes_192_cm_keystream"`
		KDF192 kdfVector       `json:"aes_192_cm_prf_kdf"`
	}
	loadJSON(t, "rfc6188_aes192_aes256_vectors.json", &f)
	t.Run("7.1 AES-256-CM", func(t *testing.T) { checkKeystream(t, f.KS256) })
	t.Run("7.2 AES_256_CM_PRF", func(t *testing.T) { checkKDF(t, f.KDF256, 20) })
	t.Run("7.3 AES-192-CM", func(t *testing.T) { checkKeystream(t, f.KS192) })
	t.Run("7.4 AES_192_CM_PRF", func(t *testing.T) { checkKDF(t, f.KDF192, 20) })
}

func mustParams(p Profile) ProfileParams {
	q, ok := p.Params()
	if !ok {
		panic("unknown profile")
	}
	return q
}

type gcmVector struct {
	Name      string `json:"name"`
	Section   string `json:"rfc_section"`
	Protocol  string `json:"protocol"`
	Algorithm string `json:"algorithm"`
	Operation string `json:"operation"`
	Input     string `json:"input_packet"`
	Output    string `json:"output_packet"`
	Printed   string `json:"output_as_printed"`
	Key       string `json:"key"`
	Salt      string `json:"salt"`
	Index     string `json:"srtcp_index"`
}

// gcmContext builds a context keyed with the vectors' session keys directly
// (RFC 7714 §16-17 do not exercise the KDF).
func gcmContext(t *testing.T, v gcmVector) *Context {
	p := AEADAES128GCM
	if v.Algorithm == "AEAD_AES_256_GCM" {
		p = AEADAES256GCM
	}
	k, err := newSessionKeySet(mustParams(p), unhex(t, v.Key), unhex(t, v.Salt))
	if err != nil {
		t.Fatal(err)
	}
	tagOnly := v.Operation == "tag" || v.Operation == "verify"
	cfg := Config{Profile: p, UnencryptedSRTP: tagOnly, UnencryptedSRTCP: tagOnly}
	return newContext(cfg, mustParams(p), k)
}

func TestRFC7714(t *testing.T) {
	var f struct {
		Vectors []gcmVector `json:"vectors"`
	}
	loadJSON(t, "rfc7714_aes_gcm_vectors.json", &f)
	if len(f.Vectors) != 12 {
		t.Fatalf("%d vectors, want 12", len(f.Vectors))
	}
	for _, v := range f.Vectors {
		t.Run(v.Section, func(t *testing.T) {
			c := gcmContext(t, v)
			in := unhex(t, v.Input)
			buf := make([]byte, len(in), len(in)+64)
			copy(buf, in)
			var got []byte
			var err error
			switch {
			case v.Protocol == "SRTP" && (v.Operation == "encrypt" || v.Operation == "tag"):
				got, err = c.ProtectRTP(buf)
			case v.Protocol == "SRTP":
				got, err = c.UnprotectRTP(buf)
			case v.Operation == "encrypt" || v.Operation == "tag":
				ssrc := uint32(0x4d617273)
				s, err := c.stream(c.tx, ssrc, true)
				if err != nil {
					t.Fatal(err)
				}
				s.rtcpNext = uint32(unhex(t, v.Index)[3]) | uint32(unhex(t, v.Index)[2])<<8
				got, err = c.ProtectRTCP(buf)
			default:
				got, err = c.UnprotectRTCP(buf)
			}
			if err != nil {
				t.Fatalf("%s: %v", v.Name, err)
			}
			want := v.Output
			if want == "" && v.Printed != "" {
				want = v.Input[:24] + v.Printed // the 12-octet header, then the payload
			}
			if want == "" {
				// 16.1.2/16.2.2 print only the payload; 16.1.4/16.2.4
				// nothing: the output is the input minus the tag.
				want = v.Input[:len(v.Input)-32]
			}
			if w := unhex(t, want); !bytes.Equal(got, w) {
				t.Errorf("%s:\n got %x\nwant %x", v.Name, got, w)
			}
			if v.Printed != "" && !bytes.HasSuffix(got, unhex(t, v.Printed)) {
				t.Errorf("%s: payload differs from the printed one", v.Name)
			}
		})
	}
}
