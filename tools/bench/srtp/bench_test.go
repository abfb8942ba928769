package srtpbench

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"testing"

	pionsrtp "github.com/pion/srtp/v3"
	srtp "github.com/sansrtc/rtc/rtc-srtp"
)

const payload = 1200

var profiles = []struct {
	name string
	ours srtp.Profile
	pion pionsrtp.ProtectionProfile
}{
	{"AES128CM_SHA1_80", srtp.AES128CMHMACSHA1_80, pionsrtp.ProtectionProfileAes128CmHmacSha1_80},
	{"AES128CM_SHA1_32", srtp.AES128CMHMACSHA1_32, pionsrtp.ProtectionProfileAes128CmHmacSha1_32},
	{"AEAD_AES_128_GCM", srtp.AEADAES128GCM, pionsrtp.ProtectionProfileAeadAes128Gcm},
	{"AEAD_AES_256_GCM", srtp.AEADAES256GCM, pionsrtp.ProtectionProfileAeadAes256Gcm},
}

func keys(p srtp.Profile) (key, salt []byte) {
	key, salt = make([]byte, p.KeyLen()), make([]byte, p.SaltLen())
	for i := range key {
		key[i] = byte(i + 1)
	}
	for i := range salt {
		salt[i] = byte(0x40 + i)
	}
	return
}

func rtpPacket() []byte {
	b := make([]byte, 12+payload, 12+payload+64)
	b[0], b[1] = 0x80, 96
	binary.BigEndian.PutUint32(b[8:], 0x11223344)
	for i := 12; i < len(b); i++ {
		b[i] = byte(i)
	}
	return b
}

func rtcpPacket() []byte {
	b := make([]byte, 8+payload, 8+payload+64)
	b[0], b[1] = 0x80, 200
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)/4-1))
	binary.BigEndian.PutUint32(b[4:], 0x11223344)
	return b
}

func ours(b *testing.B, p srtp.Profile) *srtp.Context {
	key, salt := keys(p)
	c, err := srtp.NewContext(srtp.Config{Profile: p, MasterKey: key, MasterSalt: salt, DisableReplayProtection: true})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func pion(b *testing.B, p pionsrtp.ProtectionProfile, key, salt []byte) *pionsrtp.Context {
	c, err := pionsrtp.CreateContext(key, salt, p, pionsrtp.SRTPNoReplayProtection(), pionsrtp.SRTCPNoReplayProtection())
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkProtectRTP: in place, a new sequence number each time.
func BenchmarkProtectRTP(b *testing.B) {
	for _, p := range profiles {
		b.Run(p.name+"/ours", func(b *testing.B) {
			c := ours(b, p.ours)
			buf := rtpPacket()
			n := len(buf)
			run(b, func(i int) {
				binary.BigEndian.PutUint16(buf[2:], uint16(i))
				if _, err := c.ProtectRTP(buf[:n]); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(p.name+"/pion", func(b *testing.B) {
			key, salt := keys(p.ours)
			c := pion(b, p.pion, key, salt)
			buf := rtpPacket()
			n := len(buf)
			run(b, func(i int) {
				binary.BigEndian.PutUint16(buf[2:], uint16(i))
				if _, err := c.EncryptRTP(buf[:n:cap(buf)], buf[:n], nil); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(p.name+"/raw", func(b *testing.B) {
			r := newRaw(p.ours)
			buf := rtpPacket()
			n := len(buf)
			run(b, func(i int) {
				binary.BigEndian.PutUint16(buf[2:], uint16(i))
				r.protect(buf[:n:cap(buf)], 12)
			})
		})
	}
}

// BenchmarkUnprotectRTP: each op restores the SRTP packet, then unprotects
// it in place (replay protection off, so the same packet can be reused).
func BenchmarkUnprotectRTP(b *testing.B) {
	for _, p := range profiles {
		key, salt := keys(p.ours)
		src, err := ours(b, p.ours).AppendProtectRTP(nil, rtpPacket())
		if err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, len(src))
		b.Run(p.name+"/ours", func(b *testing.B) {
			c := ours(b, p.ours)
			run(b, func(int) {
				copy(buf, src)
				if _, err := c.UnprotectRTP(buf); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(p.name+"/pion", func(b *testing.B) {
			c := pion(b, p.pion, key, salt)
			run(b, func(int) {
				copy(buf, src)
				if _, err := c.DecryptRTP(buf, buf, nil); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(p.name+"/raw", func(b *testing.B) {
			r := newRaw(p.ours)
			enc := r.protect(append([]byte(nil), rtpPacket()...)[:12+payload:12+payload+64], 12)
			raw := make([]byte, len(enc))
			run(b, func(int) {
				copy(raw, enc)
				if !r.unprotect(raw, 12) {
					b.Fatal("raw open failed")
				}
			})
		})
	}
}

func BenchmarkProtectRTCP(b *testing.B) {
	for _, p := range profiles {
		b.Run(p.name+"/ours", func(b *testing.B) {
			c := ours(b, p.ours)
			buf := rtcpPacket()
			n := len(buf)
			run(b, func(int) {
				if _, err := c.ProtectRTCP(buf[:n]); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(p.name+"/pion", func(b *testing.B) {
			key, salt := keys(p.ours)
			c := pion(b, p.pion, key, salt)
			buf := rtcpPacket()
			n := len(buf)
			run(b, func(int) {
				if _, err := c.EncryptRTCP(buf[:n:cap(buf)], buf[:n], nil); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

func BenchmarkUnprotectRTCP(b *testing.B) {
	for _, p := range profiles {
		key, salt := keys(p.ours)
		src, err := ours(b, p.ours).AppendProtectRTCP(nil, rtcpPacket())
		if err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, len(src))
		b.Run(p.name+"/ours", func(b *testing.B) {
			c := ours(b, p.ours)
			run(b, func(int) {
				copy(buf, src)
				if _, err := c.UnprotectRTCP(buf); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(p.name+"/pion", func(b *testing.B) {
			c := pion(b, p.pion, key, salt)
			run(b, func(int) {
				copy(buf, src)
				if _, err := c.DecryptRTCP(buf, buf, nil); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

func run(b *testing.B, f func(i int)) {
	b.SetBytes(payload)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		f(i)
	}
}

// raw is the cryptographic floor of one SRTP packet: no header parsing, no
// per-SSRC state, no key derivation: the session keys are taken as given.
type raw struct {
	aead  cipher.AEAD
	block cipher.Block
	mac   interface {
		Reset()
		Write([]byte) (int, error)
		Sum([]byte) []byte
	}
	tagLen int
	nonce  [12]byte
	iv     [16]byte
	sum    [20]byte
	roc    [4]byte
}

func newRaw(p srtp.Profile) *raw {
	key, _ := keys(p)
	blk, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	params, _ := p.Params()
	r := &raw{block: blk, tagLen: params.RTPTagLen}
	if params.AEAD {
		r.aead, err = cipher.NewGCM(blk)
		if err != nil {
			panic(err)
		}
	} else {
		r.mac = hmac.New(sha1.New, make([]byte, 20))
	}
	return r
}

func (r *raw) protect(buf []byte, h int) []byte {
	n := len(buf)
	if r.aead != nil {
		r.nonce[11] = buf[3]
		return r.aead.Seal(buf[:h], r.nonce[:], buf[h:n], buf[:h])
	}
	r.iv[13] = buf[3]
	cipher.NewCTR(r.block, r.iv[:]).XORKeyStream(buf[h:n], buf[h:n])
	r.mac.Reset()
	r.mac.Write(buf[:n])
	r.mac.Write(r.roc[:])
	r.mac.Sum(r.sum[:0])
	return append(buf, r.sum[:r.tagLen]...)
}

func (r *raw) unprotect(buf []byte, h int) bool {
	if r.aead != nil {
		_, err := r.aead.Open(buf[h:h], r.nonce[:], buf[h:], buf[:h])
		return err == nil
	}
	n := len(buf) - r.tagLen
	r.mac.Reset()
	r.mac.Write(buf[:n])
	r.mac.Write(r.roc[:])
	r.mac.Sum(r.sum[:0])
	if subtle.ConstantTimeCompare(r.sum[:r.tagLen], buf[n:]) != 1 {
		return false
	}
	r.iv[13] = buf[3]
	cipher.NewCTR(r.block, r.iv[:]).XORKeyStream(buf[h:n], buf[h:n])
	return true
}
