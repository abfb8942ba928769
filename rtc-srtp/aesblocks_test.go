package srtp

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"math/rand/v2"
	"testing"
)

// TestCTRMatchesStdlib checks our key schedule, the AES-NI batch and the
// counter layout against crypto/cipher's CTR for every key size and many
// lengths, including lengths that cross the batch size.
func TestCTRMatchesStdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, kl := range []int{16, 24, 32} {
		for trial := 0; trial < 20; trial++ {
			key := make([]byte, kl)
			for i := range key {
				key[i] = byte(r.Uint32())
			}
			var iv [16]byte
			for i := 0; i < 14; i++ {
				iv[i] = byte(r.Uint32())
			}
			n := r.IntN(3 * ctrChunk)
			data := make([]byte, n)
			for i := range data {
				data[i] = byte(r.Uint32())
			}
			want := make([]byte, n)
			b, _ := aes.NewCipher(key)
			cipher.NewCTR(b, iv[:]).XORKeyStream(want, data)
			c, err := newCTRCipher(key)
			if err != nil {
				t.Fatal(err)
			}
			c.xorKeyStream(data, &iv)
			if !bytes.Equal(data, want) {
				t.Fatalf("key %d bytes, len %d: keystream differs", kl, n)
			}
		}
	}
}

// TestCTRFallback runs the same comparison through the portable path that
// CPUs without AES-NI (and the purego build) take.
func TestCTRFallback(t *testing.T) {
	saved := hasAESNI
	hasAESNI = false
	defer func() { hasAESNI = saved }()
	TestCTRMatchesStdlib(t)
}

func TestSboxSpotValues(t *testing.T) {
	// FIPS-197 Figure 7: S(0x00)=0x63, S(0x53)=0xed, S(0xff)=0x16.
	for in, want := range map[byte]byte{0x00: 0x63, 0x53: 0xed, 0xff: 0x16, 0x01: 0x7c} {
		if sbox[in] != want {
			t.Errorf("S(%#x) = %#x, want %#x", in, sbox[in], want)
		}
	}
}
