// Package x25519 is the X25519 function of RFC 7748 §5 for the ephemeral
// key shares of DTLS 1.2 (RFC 8422) and 1.3 (RFC 8446 §4.2.8.2), written so
// that a key share costs one fixed-base multiplication rather than a
// Montgomery ladder.
//
// Why not crypto/ecdh alone: ecdh.X25519().NewPrivateKey always computes
// the public key with the variable-base ladder (about 47 µs here), and the
// only way to run its ECDH is through such a private key. The public key
// k·B has a fixed base, which crypto/ed25519 computes with precomputed
// tables in about half the time: an Ed25519 key pair from a 32-byte seed is
// the scalar a = clamp(SHA-512(seed)[0:32]) and the point A = a·B, and the
// X25519 public key of the scalar a is A's Montgomery u-coordinate,
// (1+y)/(1-y) (RFC 7748 §4.1, the birational map). X25519 clamps its
// scalar exactly as Ed25519 does (RFC 7748 §5, RFC 8032 §5.1.5), so
// X25519(SHA-512(seed)[0:32], 9) is that u. The shared secret then needs
// our own ladder (this file), because crypto/ecdh would recompute the public
// key first.
//
// Security: every key is fresh (32 bytes from the caller's reader each
// time); the scalar is a SHA-512 output of a uniform seed, as in every
// Ed25519 key; the ladder and the field arithmetic are constant time (no
// branch or index depends on a secret); the peer's value is used as RFC
// 7748 §5 says (top bit masked, non-canonical values accepted) and an
// all-zero shared secret is refused (RFC 8446 §7.4.2, RFC 8422 §5.11).
// TestAgainstECDH and FuzzECDH check every result against crypto/ecdh.
package x25519

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"
	"crypto/subtle"
	"errors"
	"io"
)

// Size is the length of scalars, public keys and shared secrets.
const Size = 32

// ErrBadPublic is returned for a peer value of the wrong length or one that
// gives the all-zero shared secret (a point of small order).
var ErrBadPublic = errors.New("x25519: invalid peer public key")

// Key is an ephemeral X25519 key pair.
type Key struct {
	scalar [Size]byte
	pub    [Size]byte
}

// New draws a key from rnd. With crypto/rand.Reader it reads a 32-byte seed
// and computes the public key with the fixed-base path above. With any
// other reader (a seeded one in tests) it reads the scalar itself, as
// before, so a recorded handshake replays byte for byte; the public key then
// comes from the ladder.
func New(rnd io.Reader) (*Key, error) {
	k := new(Key)
	if rnd != rand.Reader {
		if _, err := io.ReadFull(rnd, k.scalar[:]); err != nil {
			return nil, err
		}
		base := [Size]byte{9}
		scalarMult(&k.pub, &k.scalar, &base)
		return k, nil
	}
	var seed [ed25519.SeedSize]byte
	if _, err := io.ReadFull(rnd, seed[:]); err != nil {
		return nil, err
	}
	if err := k.fromSeed(&seed); err != nil {
		return nil, err
	}
	return k, nil
}

// fromSeed sets the key from an Ed25519 seed: scalar SHA-512(seed)[0:32],
// public key the u-coordinate of the Ed25519 public point.
func (k *Key) fromSeed(seed *[ed25519.SeedSize]byte) error {
	h := sha512.Sum512(seed[:])
	copy(k.scalar[:], h[:Size])
	priv := ed25519.NewKeyFromSeed(seed[:])
	var yb [Size]byte
	copy(yb[:], priv[ed25519.SeedSize:])
	clear(seed[:])
	clear(h[:])
	clear(priv)
	// RFC 8032 §5.1.2: y in the low 255 bits, the sign of x in the top
	// one (fromBytes drops it). u = (1+y)/(1-y), RFC 7748 §4.1.
	var y, num, den fe
	y.fromBytes(&yb)
	num.add(&feOne, &y)
	den.sub(&feOne, &y)
	den.invert(&den)
	num.mul(&num, &den)
	num.toBytes(&k.pub)
	// y = 1 is the identity, whose u would be 0. It cannot occur: a
	// clamped scalar is 8m with 0 < m < 2^252, below the prime order of B,
	// so a·B is never the identity. Refuse rather than send it anyway.
	if isZero(k.pub[:]) {
		return errors.New("x25519: degenerate key")
	}
	return nil
}

// Public returns the public key (the u-coordinate, RFC 7748 §5). The slice
// belongs to k.
func (k *Key) Public() []byte { return k.pub[:] }

// ECDH returns X25519(scalar, peer): the shared secret, refusing a peer
// value of the wrong length and an all-zero result.
func (k *Key) ECDH(peer []byte) ([]byte, error) {
	if len(peer) != Size {
		return nil, ErrBadPublic
	}
	var u, out [Size]byte
	copy(u[:], peer)
	scalarMult(&out, &k.scalar, &u)
	if isZero(out[:]) {
		return nil, ErrBadPublic
	}
	return out[:], nil
}

func isZero(b []byte) bool {
	var z [Size]byte
	return subtle.ConstantTimeCompare(b, z[:]) == 1
}

// scalarMult sets out = X25519(scalar, point): the Montgomery ladder of RFC
// 7748 §5, with the scalar clamped as specified there.
func scalarMult(out, scalar, point *[Size]byte) {
	e := *scalar
	e[0] &= 248
	e[31] &= 127
	e[31] |= 64
	var x1, x2, z2, x3, z3 fe
	var a, aa, b, bb, c, d, da, cb, ee fe
	x1.fromBytes(point)
	x2 = feOne
	x3 = x1
	z3 = feOne
	swap := uint64(0)
	for t := 254; t >= 0; t-- {
		kt := uint64(e[t>>3]>>(t&7)) & 1
		swap ^= kt
		cswap(&x2, &x3, swap)
		cswap(&z2, &z3, swap)
		swap = kt
		a.add(&x2, &z2)
		aa.square(&a)
		b.sub(&x2, &z2)
		bb.square(&b)
		ee.sub(&aa, &bb)
		c.add(&x3, &z3)
		d.sub(&x3, &z3)
		da.mul(&d, &a)
		cb.mul(&c, &b)
		x3.add(&da, &cb)
		x3.square(&x3)
		z3.sub(&da, &cb)
		z3.square(&z3)
		z3.mul(&z3, &x1)
		x2.mul(&aa, &bb)
		z2.mulSmall(&ee, 121665) // a24 = (486662 - 2) / 4
		z2.add(&z2, &aa)
		z2.mul(&z2, &ee)
	}
	cswap(&x2, &x3, swap)
	cswap(&z2, &z3, swap)
	z2.invert(&z2)
	x2.mul(&x2, &z2)
	x2.toBytes(out)
	clear(e[:])
}
