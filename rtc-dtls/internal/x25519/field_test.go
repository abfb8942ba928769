package x25519

import (
	"crypto/rand"
	"encoding/binary"
	"math/big"
	"testing"
)

var bigP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))

func (v *fe) big() *big.Int {
	n := new(big.Int)
	for i := 4; i >= 0; i-- {
		n.Lsh(n, 51)
		n.Add(n, new(big.Int).SetUint64(v[i]))
	}
	return n
}

func feBytesBig(t *testing.T, v *fe) *big.Int {
	t.Helper()
	var b [32]byte
	v.toBytes(&b)
	for i := range 16 {
		b[i], b[31-i] = b[31-i], b[i]
	}
	n := new(big.Int).SetBytes(b[:])
	if n.Cmp(bigP) >= 0 {
		t.Fatalf("toBytes gave a non-canonical value %v", n)
	}
	return n
}

// randLimbs returns an element whose limbs are below 2^bits, with the
// extreme values (all ones) mixed in.
func randLimbs(t *testing.T, bits uint) fe {
	var b [40]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	var v fe
	for i := range v {
		v[i] = binary.LittleEndian.Uint64(b[8*i:]) & (1<<bits - 1)
		if b[32+i]&3 == 0 {
			v[i] = 1<<bits - 1
		}
	}
	return v
}

// TestFieldBounds checks mul, square, mulSmall, add, sub, invert and
// toBytes against math/big at the limits the operations document: loose
// inputs (limbs up to 2^53-1) for mul and square, lightly reduced ones
// (up to 2^51+2^18) for add and sub.
func TestFieldBounds(t *testing.T) {
	mod := func(n *big.Int) *big.Int { return n.Mod(n, bigP) }
	for range 3000 {
		a, b := randLimbs(t, 53), randLimbs(t, 53)
		var r fe
		r.mul(&a, &b)
		if got, want := feBytesBig(t, &r), mod(new(big.Int).Mul(a.big(), b.big())); got.Cmp(want) != 0 {
			t.Fatalf("mul(%x, %x) = %v, want %v", a, b, got, want)
		}
		for _, l := range r {
			if l >= 1<<51+1<<18 {
				t.Fatalf("mul output limb %x is not lightly reduced", l)
			}
		}
		r.square(&a)
		if got, want := feBytesBig(t, &r), mod(new(big.Int).Mul(a.big(), a.big())); got.Cmp(want) != 0 {
			t.Fatalf("square(%x) = %v, want %v", a, got, want)
		}
		r.mulSmall(&a, 121665)
		if got, want := feBytesBig(t, &r), mod(new(big.Int).Mul(a.big(), big.NewInt(121665))); got.Cmp(want) != 0 {
			t.Fatalf("mulSmall(%x) = %v, want %v", a, got, want)
		}
		// Lightly reduced operands for add and sub.
		la, lb := randLimbs(t, 51), randLimbs(t, 51)
		la[0] += 1 << 18
		lb[4] += 1 << 13
		var s fe
		s.add(&la, &lb)
		var one fe = feOne
		s.mul(&s, &one)
		if got, want := feBytesBig(t, &s), mod(new(big.Int).Add(la.big(), lb.big())); got.Cmp(want) != 0 {
			t.Fatalf("add = %v, want %v", got, want)
		}
		s.sub(&la, &lb)
		s.mul(&s, &one)
		if got, want := feBytesBig(t, &s), mod(new(big.Int).Sub(la.big(), lb.big())); got.Cmp(want) != 0 {
			t.Fatalf("sub = %v, want %v", got, want)
		}
	}
	for range 50 {
		a := randLimbs(t, 53)
		var r fe
		r.invert(&a)
		want := new(big.Int).ModInverse(mod(a.big()), bigP)
		if want == nil {
			want = new(big.Int)
		}
		if got := feBytesBig(t, &r); got.Cmp(want) != 0 {
			t.Fatalf("invert(%x) = %v, want %v", a, got, want)
		}
	}
	var zero, r fe
	r.invert(&zero)
	if feBytesBig(t, &r).Sign() != 0 {
		t.Fatal("invert(0) is not 0")
	}
}
