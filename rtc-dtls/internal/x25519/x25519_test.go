package x25519

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"testing"
)

func unhex(t testing.TB, s string) [Size]byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != Size {
		t.Fatalf("bad hex %q", s)
	}
	return [Size]byte(b)
}

// TestRFC7748 checks the vectors of RFC 7748 §5.2 (both single
// multiplications, one of them with a u-coordinate that has its top bit set)
// and the iterated function after 1 and 1,000 iterations.
func TestRFC7748(t *testing.T) {
	for _, v := range []struct{ k, u, out string }{
		{"a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
			"e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
			"c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"},
		{"4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
			"e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
			"95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"},
	} {
		k, u, want := unhex(t, v.k), unhex(t, v.u), unhex(t, v.out)
		var got [Size]byte
		scalarMult(&got, &k, &u)
		if got != want {
			t.Errorf("X25519(%s, %s) = %x, want %s", v.k, v.u, got, v.out)
		}
	}
	k := [Size]byte{9}
	u := k
	for i := 1; i <= 1000; i++ {
		var r [Size]byte
		scalarMult(&r, &k, &u)
		u, k = k, r
		switch i {
		case 1:
			if want := unhex(t, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"); k != want {
				t.Fatalf("after 1 iteration: %x", k)
			}
		case 1000:
			if want := unhex(t, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51"); k != want {
				t.Fatalf("after 1000 iterations: %x", k)
			}
		}
	}
}

// TestRFC7748DH is the Diffie-Hellman example of RFC 7748 §6.1.
func TestRFC7748DH(t *testing.T) {
	a := &Key{scalar: unhex(t, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")}
	b := &Key{scalar: unhex(t, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")}
	base := [Size]byte{9}
	scalarMult(&a.pub, &a.scalar, &base)
	scalarMult(&b.pub, &b.scalar, &base)
	if want := unhex(t, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"); a.pub != want {
		t.Fatalf("Alice's public key %x", a.pub)
	}
	if want := unhex(t, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"); b.pub != want {
		t.Fatalf("Bob's public key %x", b.pub)
	}
	want := unhex(t, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
	for _, kk := range [][2]*Key{{a, b}, {b, a}} {
		got, err := kk[0].ECDH(kk[1].Public())
		if err != nil || !bytes.Equal(got, want[:]) {
			t.Fatalf("shared secret %x, %v", got, err)
		}
	}
}

// TestAgainstECDH compares keys and shared secrets with crypto/ecdh for
// random scalars and peer values, including values with the top bit set and
// non-canonical ones (p..2^255-1), on both key paths.
func TestAgainstECDH(t *testing.T) {
	for i := range 300 {
		var k *Key
		var err error
		if i%2 == 0 {
			k, err = New(rand.Reader) // the fixed-base path
		} else {
			k, err = New(bytes.NewReader(randBytes(t, Size))) // the ladder path
		}
		if err != nil {
			t.Fatal(err)
		}
		ref, err := ecdh.X25519().NewPrivateKey(k.scalar[:])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ref.PublicKey().Bytes(), k.Public()) {
			t.Fatalf("public key %x, crypto/ecdh says %x", k.Public(), ref.PublicKey().Bytes())
		}
		peer := randBytes(t, Size)
		switch i % 5 {
		case 1:
			peer[31] |= 0x80
		case 2: // a non-canonical u: p + small
			peer = bytes.Clone(nonCanonical[i%len(nonCanonical)][:])
		}
		compare(t, k, peer)
	}
}

// nonCanonical are u values in [p, 2^255) and with the top bit set.
var nonCanonical = [][Size]byte{
	{0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, // p
	{0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, // p+1
	{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, // 2^256-1
	{0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, // p+13
}

func randBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// compare checks k.ECDH(peer) against crypto/ecdh: the same secret, or an
// error from both (crypto/ecdh refuses the all-zero output too).
func compare(t testing.TB, k *Key, peer []byte) {
	t.Helper()
	got, err := k.ECDH(peer)
	ref, rerr := ecdh.X25519().NewPrivateKey(k.scalar[:])
	if rerr != nil {
		t.Fatal(rerr)
	}
	var want []byte
	if pub, perr := ecdh.X25519().NewPublicKey(peer); perr == nil {
		want, rerr = ref.ECDH(pub)
	} else {
		rerr = perr
	}
	if (err == nil) != (rerr == nil) || !bytes.Equal(got, want) {
		t.Fatalf("ECDH(%x) = %x, %v; crypto/ecdh: %x, %v", peer, got, err, want, rerr)
	}
}

// TestSmallOrder: the points of small order (and their non-canonical
// forms) give the all-zero secret, which ECDH refuses (RFC 7748 §6.1, RFC
// 8446 §7.4.2); wrong lengths are refused too.
func TestSmallOrder(t *testing.T) {
	k, err := New(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p-1
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p (= 0)
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p+1 (= 1)
	} {
		u := unhex(t, s)
		if _, err := k.ECDH(u[:]); err != ErrBadPublic {
			t.Errorf("ECDH(%s): %v, want ErrBadPublic", s, err)
		}
	}
	for _, n := range []int{0, 31, 33} {
		if _, err := k.ECDH(make([]byte, n)); err != ErrBadPublic {
			t.Errorf("%d-byte peer value: %v", n, err)
		}
	}
}

// TestFromSeed: the fixed-base key equals the ladder's for the scalar
// SHA-512(seed)[0:32], for the RFC 8032 §7.1 seeds and random ones.
func TestFromSeed(t *testing.T) {
	seeds := [][]byte{make([]byte, 32), bytes.Repeat([]byte{0xff}, 32)}
	for range 50 {
		seeds = append(seeds, randBytes(t, 32))
	}
	for _, s := range seeds {
		var k Key
		seed := [ed25519.SeedSize]byte(s)
		if err := k.fromSeed(&seed); err != nil {
			t.Fatal(err)
		}
		var want [Size]byte
		base := [Size]byte{9}
		scalarMult(&want, &k.scalar, &base)
		if want != k.pub {
			t.Fatalf("seed %x: fixed-base %x, ladder %x", s, k.pub, want)
		}
	}
}

// TestFreshKeys: two keys from crypto/rand never repeat.
func TestFreshKeys(t *testing.T) {
	a, err := New(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if a.scalar == b.scalar || bytes.Equal(a.Public(), b.Public()) {
		t.Fatal("two fresh keys are equal")
	}
}

// FuzzECDH compares any scalar and peer value with crypto/ecdh.
func FuzzECDH(f *testing.F) {
	f.Add(make([]byte, 32), make([]byte, 32))
	f.Add(bytes.Repeat([]byte{0xff}, 32), bytes.Repeat([]byte{0xff}, 32))
	f.Fuzz(func(t *testing.T, scalar, peer []byte) {
		if len(scalar) != Size {
			return
		}
		k, err := New(bytes.NewReader(scalar))
		if err != nil {
			t.Fatal(err)
		}
		compare(t, k, peer)
	})
}

func BenchmarkX25519(b *testing.B) {
	b.Run("New/fixed-base", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := New(rand.Reader); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("New/crypto-ecdh", func(b *testing.B) {
		b.ReportAllocs()
		s := make([]byte, 32)
		for b.Loop() {
			if _, err := rand.Read(s); err != nil {
				b.Fatal(err)
			}
			if _, err := ecdh.X25519().NewPrivateKey(s); err != nil {
				b.Fatal(err)
			}
		}
	})
	k, err := New(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	peer, err := New(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("ECDH/ladder", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := k.ECDH(peer.Public()); err != nil {
				b.Fatal(err)
			}
		}
	})
	ref, err := ecdh.X25519().NewPrivateKey(k.scalar[:])
	if err != nil {
		b.Fatal(err)
	}
	pub, err := ecdh.X25519().NewPublicKey(peer.Public())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("ECDH/crypto-ecdh", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ref.ECDH(pub); err != nil {
				b.Fatal(err)
			}
		}
	})
}
