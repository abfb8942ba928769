package x25519

import (
	"encoding/binary"
	"math/bits"
)

// fe is an element of GF(2^255-19) in radix 2^51: the value is
// l[0] + l[1]·2^51 + l[2]·2^102 + l[3]·2^153 + l[4]·2^204. mul, square,
// mulSmall and fromBytes return limbs "lightly reduced" (below 2^51 + 2^18);
// add and sub skip the carry and return "loose" limbs (below 2^53), which
// may only feed mul, square, mulSmall, invert or toBytes. sub's subtrahend
// must be lightly reduced. Only toBytes reduces fully. No operation
// branches on or indexes by the value (constant time).
type fe [5]uint64

const mask51 = 1<<51 - 1

var feOne = fe{1}

// fromBytes decodes a little-endian u-coordinate. The top bit is ignored
// (RFC 7748 §5: "implementations of X25519 MUST mask the most significant
// bit in the final byte"); values in [p, 2^255) are accepted unreduced, as
// §5 requires ("non-canonical values").
func (v *fe) fromBytes(b *[32]byte) {
	v[0] = binary.LittleEndian.Uint64(b[0:8]) & mask51
	v[1] = binary.LittleEndian.Uint64(b[6:14]) >> 3 & mask51
	v[2] = binary.LittleEndian.Uint64(b[12:20]) >> 6 & mask51
	v[3] = binary.LittleEndian.Uint64(b[19:27]) >> 1 & mask51
	v[4] = binary.LittleEndian.Uint64(b[24:32]) >> 12 & mask51
}

// toBytes writes the canonical (fully reduced) little-endian encoding.
func (v *fe) toBytes(b *[32]byte) {
	t := *v
	t.carry()
	// t < 2^255 + 2^218 < 2p now, so t - q·p with q = (t+19) >> 255 in
	// {0, 1} is the canonical value; the chain below is the carry of t+19.
	q := (t[0] + 19) >> 51
	q = (t[1] + q) >> 51
	q = (t[2] + q) >> 51
	q = (t[3] + q) >> 51
	q = (t[4] + q) >> 51
	t[0] += 19 * q
	t[1] += t[0] >> 51
	t[0] &= mask51
	t[2] += t[1] >> 51
	t[1] &= mask51
	t[3] += t[2] >> 51
	t[2] &= mask51
	t[4] += t[3] >> 51
	t[3] &= mask51
	t[4] &= mask51 // drops the 2^255 of q·p
	binary.LittleEndian.PutUint64(b[0:8], t[0]|t[1]<<51)
	binary.LittleEndian.PutUint64(b[8:16], t[1]>>13|t[2]<<38)
	binary.LittleEndian.PutUint64(b[16:24], t[2]>>26|t[3]<<25)
	binary.LittleEndian.PutUint64(b[24:32], t[3]>>39|t[4]<<12)
}

// carry lightly reduces limbs of up to 64 bits: each keeps 51 bits and
// passes the rest up, the top limb's overflow coming back times 19
// (2^255 = 19 mod p).
func (v *fe) carry() { v.carry5(v[0], v[1], v[2], v[3], v[4]) }

// carry5 sets v to the light reduction of the limbs l0..l4.
func (v *fe) carry5(l0, l1, l2, l3, l4 uint64) {
	v[0] = l0&mask51 + (l4>>51)*19
	v[1] = l1&mask51 + l0>>51
	v[2] = l2&mask51 + l1>>51
	v[3] = l3&mask51 + l2>>51
	v[4] = l4&mask51 + l3>>51
}

// add sets v = a + b for lightly reduced a and b; v is loose.
func (v *fe) add(a, b *fe) {
	v[0], v[1], v[2], v[3], v[4] = a[0]+b[0], a[1]+b[1], a[2]+b[2], a[3]+b[3], a[4]+b[4]
}

// sub sets v = a - b for lightly reduced a and b, adding 2p first so no limb
// underflows (b's limbs are below 2^51 + 2^18 < 2^52 - 38); v is loose.
func (v *fe) sub(a, b *fe) {
	v[0] = a[0] + (1<<52 - 38) - b[0]
	v[1] = a[1] + (1<<52 - 2) - b[1]
	v[2] = a[2] + (1<<52 - 2) - b[2]
	v[3] = a[3] + (1<<52 - 2) - b[3]
	v[4] = a[4] + (1<<52 - 2) - b[4]
}

// u128 is a 128-bit accumulator.
type u128 struct{ lo, hi uint64 }

func mul64(a, b uint64) u128 {
	hi, lo := bits.Mul64(a, b)
	return u128{lo, hi}
}

func addMul64(v u128, a, b uint64) u128 {
	hi, lo := bits.Mul64(a, b)
	lo, c := bits.Add64(lo, v.lo, 0)
	hi, _ = bits.Add64(hi, v.hi, c)
	return u128{lo, hi}
}

// shr51 is v >> 51; it fits 64 bits because every accumulator stays below
// 2^115 (five products of limbs below 2^52 and 2^57).
func shr51(v u128) uint64 { return v.hi<<13 | v.lo>>51 }

// The 128-bit column sums of mul, square and mulSmall are folded into
// lightly reduced limbs the same way, written out in each (a shared
// function taking five u128 values would not be inlined):
//
//	c_i = r_i >> 51; l_0 = r_0 mod 2^51 + 19·c_4; l_i = r_i mod 2^51 + c_(i-1)
//
// followed by one carry5.
//
// Bounds, for loose inputs (limbs below 2^53): a column with the factor 19
// is below 5·19·2^106 < 2^112.3, so its carry is below 2^61.3 and adding
// it to a 51-bit limb fits 64 bits; column 4 has no factor 19 (below
// 5·2^106 < 2^108.4), so 19·c_4 < 2^61.7. The 128-bit sums never overflow.

// mul sets v = a·b. v may alias a or b.
func (v *fe) mul(a, b *fe) {
	a0, a1, a2, a3, a4 := a[0], a[1], a[2], a[3], a[4]
	b0, b1, b2, b3, b4 := b[0], b[1], b[2], b[3], b[4]
	b1x, b2x, b3x, b4x := b1*19, b2*19, b3*19, b4*19
	// Column i collects a_j·b_k with j+k = i, and j+k = i+5 times 19.
	r0 := addMul64(addMul64(addMul64(addMul64(mul64(a0, b0), a1, b4x), a2, b3x), a3, b2x), a4, b1x)
	r1 := addMul64(addMul64(addMul64(addMul64(mul64(a0, b1), a1, b0), a2, b4x), a3, b3x), a4, b2x)
	r2 := addMul64(addMul64(addMul64(addMul64(mul64(a0, b2), a1, b1), a2, b0), a3, b4x), a4, b3x)
	r3 := addMul64(addMul64(addMul64(addMul64(mul64(a0, b3), a1, b2), a2, b1), a3, b0), a4, b4x)
	r4 := addMul64(addMul64(addMul64(addMul64(mul64(a0, b4), a1, b3), a2, b2), a3, b1), a4, b0)
	v.carry5(r0.lo&mask51+shr51(r4)*19, r1.lo&mask51+shr51(r0), r2.lo&mask51+shr51(r1), r3.lo&mask51+shr51(r2), r4.lo&mask51+shr51(r3))
}

// square sets v = a². v may alias a.
func (v *fe) square(a *fe) {
	a0, a1, a2, a3, a4 := a[0], a[1], a[2], a[3], a[4]
	a0d, a1d := a0*2, a1*2
	a1t, a2t, a3t := a1*38, a2*38, a3*38
	a3n, a4n := a3*19, a4*19
	r0 := addMul64(addMul64(mul64(a0, a0), a1t, a4), a2t, a3)
	r1 := addMul64(addMul64(mul64(a0d, a1), a2t, a4), a3n, a3)
	r2 := addMul64(addMul64(mul64(a0d, a2), a1, a1), a3t, a4)
	r3 := addMul64(addMul64(mul64(a0d, a3), a1d, a2), a4n, a4)
	r4 := addMul64(addMul64(mul64(a0d, a4), a1d, a3), a2, a2)
	v.carry5(r0.lo&mask51+shr51(r4)*19, r1.lo&mask51+shr51(r0), r2.lo&mask51+shr51(r1), r3.lo&mask51+shr51(r2), r4.lo&mask51+shr51(r3))
}

// mulSmall sets v = a·k for a constant k < 2^17.
func (v *fe) mulSmall(a *fe, k uint64) {
	r0, r1, r2, r3, r4 := mul64(a[0], k), mul64(a[1], k), mul64(a[2], k), mul64(a[3], k), mul64(a[4], k)
	v.carry5(r0.lo&mask51+shr51(r4)*19, r1.lo&mask51+shr51(r0), r2.lo&mask51+shr51(r1), r3.lo&mask51+shr51(r2), r4.lo&mask51+shr51(r3))
}

// squareN sets v = a^(2^n), n ≥ 1.
func (v *fe) squareN(a *fe, n int) {
	v.square(a)
	for range n - 1 {
		v.square(v)
	}
}

// invert sets v = z^(p-2) = 1/z (0 for z = 0), by Fermat with the usual
// addition chain for 2^255 - 21: 254 squarings and 11 multiplications.
func (v *fe) invert(z *fe) {
	var z2, z9, z11, z2_5, z2_10, z2_20, z2_50, z2_100, t fe
	z2.square(z)         // 2
	t.squareN(&z2, 2)    // 8
	z9.mul(&t, z)        // 9
	z11.mul(&z9, &z2)    // 11
	t.square(&z11)       // 22
	z2_5.mul(&t, &z9)    // 2^5 - 1
	t.squareN(&z2_5, 5)  // 2^10 - 2^5
	z2_10.mul(&t, &z2_5) // 2^10 - 1
	t.squareN(&z2_10, 10)
	z2_20.mul(&t, &z2_10) // 2^20 - 1
	t.squareN(&z2_20, 20)
	t.mul(&t, &z2_20) // 2^40 - 1
	t.squareN(&t, 10)
	z2_50.mul(&t, &z2_10) // 2^50 - 1
	t.squareN(&z2_50, 50)
	z2_100.mul(&t, &z2_50) // 2^100 - 1
	t.squareN(&z2_100, 100)
	t.mul(&t, &z2_100) // 2^200 - 1
	t.squareN(&t, 50)
	t.mul(&t, &z2_50) // 2^250 - 1
	t.squareN(&t, 5)  // 2^255 - 2^5
	v.mul(&t, &z11)   // 2^255 - 21 = p - 2
}

// cswap swaps a and b when c is 1 and leaves them when c is 0, in constant
// time.
func cswap(a, b *fe, c uint64) {
	m := -c
	for i := range a {
		t := m & (a[i] ^ b[i])
		a[i] ^= t
		b[i] ^= t
	}
}
