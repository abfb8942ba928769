package srtp

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
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
			b, err := aes.NewCipher(key)
			if err != nil {
				t.Fatal(err)
			}
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

// TestExpandKeyFIPS197 checks the key schedule the AES-NI path uses against
// the last round key of each FIPS-197 Appendix A expansion, so that it is
// verified even on a CPU without AES-NI (where TestCTRMatchesStdlib only
// exercises the standard library's block cipher).
func TestExpandKeyFIPS197(t *testing.T) {
	for _, v := range []struct{ key, last string }{
		{"2b7e151628aed2a6abf7158809cf4f3c", "d014f9a8c9ee2589e13f0cc8b6630ca6"},                                 // A.1
		{"8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", "e98ba06f448c773c8ecc720401002202"},                 // A.2
		{"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", "fe4890d1e6188d0b046df344706c631e"}, // A.3
	} {
		key, err := hex.DecodeString(v.key)
		if err != nil {
			t.Fatal(err)
		}
		var xk [15 * 16]byte
		expandKey(key, xk[:])
		rounds := len(key)/4 + 6
		if got := hex.EncodeToString(xk[16*rounds : 16*rounds+16]); got != v.last {
			t.Errorf("%d-bit key: last round key %s, want %s", 8*len(key), got, v.last)
		}
		if !bytes.Equal(xk[:len(key)], key) {
			t.Errorf("%d-bit key: first words are not the key", 8*len(key))
		}
	}
}

// TestEncryptBlocksEveryCount runs the batch encryption for every block
// count from 0 to 17, so that the eight-block loop, the single-block tail
// and their mix are each compared with crypto/aes for every key size
// (deterministically, not only as random lengths happen to fall).
func TestEncryptBlocksEveryCount(t *testing.T) {
	if !hasAESNI {
		t.Log("no AES-NI: this runs the portable path only")
	}
	for _, kl := range []int{16, 24, 32} {
		key := make([]byte, kl)
		for i := range key {
			key[i] = byte(7*i + kl)
		}
		c, err := newCTRCipher(key)
		if err != nil {
			t.Fatal(err)
		}
		b, err := aes.NewCipher(key)
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n <= 17; n++ {
			in := make([]byte, 16*n)
			for i := range in {
				in[i] = byte(i*13 + n)
			}
			want := make([]byte, len(in))
			for i := 0; i < len(in); i += 16 {
				b.Encrypt(want[i:i+16], in[i:i+16])
			}
			c.encryptBlocks(in)
			if !bytes.Equal(in, want) {
				t.Fatalf("key %d bytes, %d blocks: differs from crypto/aes", kl, n)
			}
		}
	}
}
