package tls13

import (
	"bytes"
	"crypto/mlkem"
	"crypto/mlkem/mlkemtest"
	"crypto/rand"
	"crypto/sha3"
	"encoding/hex"
	"errors"
	"io"
	"testing"
)

// seeded returns a deterministic reader for tests.
func seeded(seed string) io.Reader {
	s := sha3.NewSHAKE128()
	s.Write([]byte(seed))
	return s
}

// TestX25519RFC8448 replays the RFC 8448 §3 key exchange: the private keys
// come in as the "random" bytes, so the shares and the secret must match.
func TestX25519RFC8448(t *testing.T) {
	v := rfc8448
	c, err := NewClientKeyShare(bytes.NewReader(unhex(t, v.clientPriv)), GroupX25519)
	if err != nil {
		t.Fatal(err)
	}
	wantHex(t, "client share", c.Public(), v.clientPub)
	share, ss, err := ServerKeyShare(bytes.NewReader(unhex(t, v.serverPriv)), GroupX25519, c.Public())
	if err != nil {
		t.Fatal(err)
	}
	wantHex(t, "server share", share, v.serverPub)
	wantHex(t, "server secret", ss, v.ecdhe)
	cs, err := c.SharedSecret(share)
	if err != nil {
		t.Fatal(err)
	}
	wantHex(t, "client secret", cs, v.ecdhe)
}

// TestMLKEM768Accumulated is Go's own ML-KEM-768 known-answer test
// (crypto/mlkem TestAccumulated, short form: 100 vectors drawn from SHAKE128,
// hashed into one SHAKE128 digest), run through the same calls the hybrid
// uses: NewDecapsulationKey768, mlkemtest.Encapsulate768, Decapsulate.
func TestMLKEM768Accumulated(t *testing.T) {
	const n, expected = 100, "1114b1b6699ed191734fa339376afa7e285c9e6acf6ff0177d346696ce564415"
	s := sha3.NewSHAKE128()
	o := sha3.NewSHAKE128()
	seed := make([]byte, mlkem.SeedSize)
	msg := make([]byte, 32)
	ct1 := make([]byte, mlkem.CiphertextSize768)
	for range n {
		s.Read(seed)
		dk, err := mlkem.NewDecapsulationKey768(seed)
		if err != nil {
			t.Fatal(err)
		}
		ek := dk.EncapsulationKey()
		o.Write(ek.Bytes())
		s.Read(msg)
		k, ct, err := mlkemtest.Encapsulate768(ek, msg)
		if err != nil {
			t.Fatal(err)
		}
		o.Write(ct)
		o.Write(k)
		kk, err := dk.Decapsulate(ct)
		if err != nil || !bytes.Equal(kk, k) {
			t.Fatalf("decapsulate: %x, %v; want %x", kk, err, k)
		}
		s.Read(ct1)
		k1, err := dk.Decapsulate(ct1) // implicit rejection of a random ciphertext
		if err != nil {
			t.Fatal(err)
		}
		o.Write(k1)
	}
	digest := make([]byte, 32)
	o.Read(digest)
	if got := hex.EncodeToString(digest); got != expected {
		t.Errorf("accumulated digest %s, want %s", got, expected)
	}
}

// TestHybridLayout checks the X25519MLKEM768 shares and secret against their
// definition (draft-ietf-tls-ecdhe-mlkem §4.1): client = ek (1184) || X25519
// (32); server = ct (1088) || X25519 (32); secret = ML-KEM ss || X25519 ss.
func TestHybridLayout(t *testing.T) {
	rnd := seeded("hybrid")
	c, err := NewClientKeyShare(rnd, GroupX25519MLKEM768)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Public()) != 1216 || ClientShareLen(GroupX25519MLKEM768) != 1216 {
		t.Fatalf("client share %d bytes, want 1216", len(c.Public()))
	}
	share, ss, err := ServerKeyShare(rnd, GroupX25519MLKEM768, c.Public())
	if err != nil {
		t.Fatal(err)
	}
	if len(share) != 1120 || len(ss) != 64 {
		t.Fatalf("server share %d bytes, secret %d; want 1120 and 64", len(share), len(ss))
	}
	cs, err := c.SharedSecret(share)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cs, ss) {
		t.Fatalf("client and server secrets differ:\n%x\n%x", cs, ss)
	}
	// The parts, computed independently.
	kem, err := c.dk.Decapsulate(share[:1088])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ss[:32], kem) {
		t.Errorf("secret[:32] = %x, want the ML-KEM shared secret %x", ss[:32], kem)
	}
	if !bytes.Equal(c.Public()[:1184], c.dk.EncapsulationKey().Bytes()) {
		t.Error("client share does not start with the encapsulation key")
	}
	x, err := c.ecdh.ECDH(share[1088:])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ss[32:], x) {
		t.Errorf("secret[32:] = %x, want the X25519 secret %x", ss[32:], x)
	}
}

// TestKeyShareSeeded: the same seed gives the same shares and secret, in
// every group (Config.Rand replays a handshake).
func TestKeyShareSeeded(t *testing.T) {
	for _, g := range []Group{GroupX25519, GroupP256, GroupP384, GroupX25519MLKEM768} {
		run := func() ([]byte, []byte, []byte) {
			rnd := seeded("seed " + g.String())
			c, err := NewClientKeyShare(rnd, g)
			if err != nil {
				t.Fatal(err)
			}
			share, ss, err := ServerKeyShare(rnd, g, c.Public())
			if err != nil {
				t.Fatal(err)
			}
			cs, err := c.SharedSecret(share)
			if err != nil || !bytes.Equal(cs, ss) {
				t.Fatalf("%v: secrets differ or err %v", g, err)
			}
			if len(c.Public()) != ClientShareLen(g) || len(share) != ServerShareLen(g) {
				t.Fatalf("%v: share sizes %d/%d, want %d/%d", g, len(c.Public()), len(share), ClientShareLen(g), ServerShareLen(g))
			}
			return c.Public(), share, ss
		}
		a1, b1, s1 := run()
		a2, b2, s2 := run()
		if !bytes.Equal(a1, a2) || !bytes.Equal(b1, b2) || !bytes.Equal(s1, s2) {
			t.Errorf("%v: a seeded reader did not replay the exchange", g)
		}
	}
}

// TestBadKeyShares: wrong lengths, off-curve points, the X25519 zero point and
// an ML-KEM key with out-of-range coefficients are refused with ErrBadKeyShare
// (RFC 8446 §4.2.8: illegal_parameter), and never panic.
func TestBadKeyShares(t *testing.T) {
	rnd := seeded("bad")
	for _, g := range []Group{GroupX25519, GroupP256, GroupP384, GroupX25519MLKEM768} {
		c, err := NewClientKeyShare(rnd, g)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{0, 1, ClientShareLen(g) - 1, ClientShareLen(g) + 1} {
			if _, _, err := ServerKeyShare(rnd, g, make([]byte, n)); !errors.Is(err, ErrBadKeyShare) {
				t.Errorf("%v: server got a %d-byte client share: err %v", g, n, err)
			}
		}
		for _, n := range []int{0, ServerShareLen(g) - 1, ServerShareLen(g) + 1} {
			if _, err := c.SharedSecret(make([]byte, n)); !errors.Is(err, ErrBadKeyShare) {
				t.Errorf("%v: client got a %d-byte server share: err %v", g, n, err)
			}
		}
		// All zeros: the X25519 low-order point, a P-256 point not on the
		// curve, an ML-KEM key that is valid (zeros are in range) with an
		// X25519 part that is the zero point.
		if _, err := c.SharedSecret(make([]byte, ServerShareLen(g))); !errors.Is(err, ErrBadKeyShare) {
			t.Errorf("%v: all-zero server share: err %v", g, err)
		}
		if _, _, err := ServerKeyShare(rnd, g, make([]byte, ClientShareLen(g))); !errors.Is(err, ErrBadKeyShare) {
			t.Errorf("%v: all-zero client share: err %v", g, err)
		}
	}
	// FIPS 203 §7.2 modulus check: 0xFF bytes decode to coefficients >= q.
	bad := bytes.Repeat([]byte{0xff}, hybridClientLen)
	if _, _, err := ServerKeyShare(rnd, GroupX25519MLKEM768, bad); !errors.Is(err, ErrBadKeyShare) {
		t.Errorf("ML-KEM key failing the modulus check: err %v", err)
	}
	if _, err := NewClientKeyShare(rnd, Group(0x0019)); !errors.Is(err, ErrUnsupportedGroup) {
		t.Errorf("secp521r1 client share: err %v, want ErrUnsupportedGroup", err)
	}
	if _, _, err := ServerKeyShare(rnd, Group(0x0019), make([]byte, 133)); !errors.Is(err, ErrUnsupportedGroup) {
		t.Errorf("secp521r1 server share: err %v, want ErrUnsupportedGroup", err)
	}
}

// TestHybridTamperedCiphertext: ML-KEM implicit rejection gives the client a
// different secret, so the handshake fails at Finished rather than here.
func TestHybridTamperedCiphertext(t *testing.T) {
	rnd := seeded("tamper")
	c, err := NewClientKeyShare(rnd, GroupX25519MLKEM768)
	if err != nil {
		t.Fatal(err)
	}
	share, ss, err := ServerKeyShare(rnd, GroupX25519MLKEM768, c.Public())
	if err != nil {
		t.Fatal(err)
	}
	share[10] ^= 1
	cs, err := c.SharedSecret(share)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(cs[:32], ss[:32]) {
		t.Error("a tampered ML-KEM ciphertext gave the same shared secret")
	}
}

func TestGroupString(t *testing.T) {
	for g, want := range map[Group]string{GroupX25519MLKEM768: "X25519MLKEM768", GroupX25519: "x25519", GroupP256: "secp256r1", 0x1234: "Group(0x1234)"} {
		if g.String() != want {
			t.Errorf("%d.String() = %q, want %q", uint16(g), g.String(), want)
		}
	}
}

func BenchmarkKeyExchange(b *testing.B) {
	for _, g := range []Group{GroupX25519, GroupP256, GroupX25519MLKEM768} {
		b.Run(g.String(), func(b *testing.B) {
			rnd := seeded("bench")
			b.ReportAllocs()
			for b.Loop() {
				c, err := NewClientKeyShare(rnd, g)
				if err != nil {
					b.Fatal(err)
				}
				share, _, err := ServerKeyShare(rnd, g, c.Public())
				if err != nil {
					b.Fatal(err)
				}
				if _, err := c.SharedSecret(share); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMLKEM768 measures the ML-KEM parts alone (issue 19 asks for the
// cost of encapsulation and decapsulation).
func BenchmarkMLKEM768(b *testing.B) {
	dk, err := mlkem.NewDecapsulationKey768(make([]byte, 64))
	if err != nil {
		b.Fatal(err)
	}
	ek := dk.EncapsulationKey()
	b.Run("KeyGen", func(b *testing.B) {
		seed := make([]byte, 64)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := mlkem.NewDecapsulationKey768(seed); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Encaps", func(b *testing.B) {
		m := make([]byte, 32)
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := mlkemtest.Encapsulate768(ek, m); err != nil {
				b.Fatal(err)
			}
		}
	})
	_, ct := ek.Encapsulate()
	b.Run("Decaps", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := dk.Decapsulate(ct); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestHybridSystemRandom: with crypto/rand.Reader the server encapsulates
// through crypto/mlkem directly; the secrets still agree.
func TestHybridSystemRandom(t *testing.T) {
	c, err := NewClientKeyShare(rand.Reader, GroupX25519MLKEM768)
	if err != nil {
		t.Fatal(err)
	}
	share, ss, err := ServerKeyShare(rand.Reader, GroupX25519MLKEM768, c.Public())
	if err != nil {
		t.Fatal(err)
	}
	cs, err := c.SharedSecret(share)
	if err != nil || !bytes.Equal(cs, ss) || len(ss) != 64 {
		t.Fatalf("secrets differ or err %v", err)
	}
}

// TestClientKeySharesReuseX25519 checks the draft-ietf-tls-hybrid-design §3.2
// reuse: the standalone x25519 share is the hybrid's X25519 component, a
// server that picks either group agrees with the client, and two calls
// never share anything (fresh shares per connection).
func TestClientKeySharesReuseX25519(t *testing.T) {
	groups := []Group{GroupX25519MLKEM768, GroupX25519}
	shares, err := NewClientKeyShares(rand.Reader, groups)
	if err != nil {
		t.Fatal(err)
	}
	if len(shares) != 2 || shares[0].Group() != GroupX25519MLKEM768 || shares[1].Group() != GroupX25519 {
		t.Fatalf("shares %v", shares)
	}
	if !bytes.Equal(shares[1].Public(), shares[0].Public()[mlkem.EncapsulationKeySize768:]) {
		t.Fatal("x25519 share is not the hybrid's X25519 component")
	}
	for i, g := range groups {
		srvShare, srvSecret, err := ServerKeyShare(rand.Reader, g, shares[i].Public())
		if err != nil {
			t.Fatal(err)
		}
		cliSecret, err := shares[i].SharedSecret(srvShare)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(cliSecret, srvSecret) {
			t.Fatalf("%v: secrets differ", g)
		}
	}
	again, err := NewClientKeyShares(rand.Reader, groups)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(again[1].Public(), shares[1].Public()) {
		t.Fatal("x25519 share reused across calls")
	}
	// x25519 alone, or before the hybrid, is drawn on its own.
	solo, err := NewClientKeyShares(rand.Reader, []Group{GroupX25519, GroupX25519MLKEM768})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(solo[0].Public(), solo[1].Public()[mlkem.EncapsulationKeySize768:]) {
		t.Fatal("x25519 listed first reused a later hybrid")
	}
	if _, err := NewClientKeyShares(rand.Reader, []Group{Group(0x1234)}); !errors.Is(err, ErrUnsupportedGroup) {
		t.Fatalf("unsupported group: %v", err)
	}
}
