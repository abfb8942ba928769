package dtls

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"hash"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// suiteInfo describes a cipher suite: its key exchange signature type, record
// protection and PRF hash (RFC 5289, RFC 7905, RFC 8422).
type suiteInfo struct {
	id      CipherSuite
	name    string
	ecdsa   bool // ECDHE_ECDSA (else ECDHE_RSA)
	kind    cipherKind
	keyLen  int
	ivLen   int // fixed IV from the key block
	macLen  int // CBC only
	sha384  bool
	cbc     bool
	enabled bool // in the default list
}

type cipherKind uint8

const (
	kindGCM cipherKind = iota
	kindChaCha
	kindCBC
)

var suites = []suiteInfo{
	{id: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, name: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", ecdsa: true, kind: kindGCM, keyLen: 16, ivLen: 4, enabled: true},
	{id: TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, name: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", ecdsa: true, kind: kindGCM, keyLen: 32, ivLen: 4, sha384: true, enabled: true},
	{id: TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, name: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", ecdsa: true, kind: kindChaCha, keyLen: 32, ivLen: 12, enabled: true},
	{id: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", kind: kindGCM, keyLen: 16, ivLen: 4, enabled: true},
	{id: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, name: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", kind: kindGCM, keyLen: 32, ivLen: 4, sha384: true, enabled: true},
	{id: TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, name: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", kind: kindChaCha, keyLen: 32, ivLen: 12, enabled: true},
	{id: TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, name: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", ecdsa: true, kind: kindCBC, keyLen: 16, macLen: 20, cbc: true},
	{id: TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, name: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", ecdsa: true, kind: kindCBC, keyLen: 32, macLen: 20, cbc: true},
	{id: TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, name: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", kind: kindCBC, keyLen: 16, macLen: 20, cbc: true},
	{id: TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, name: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", kind: kindCBC, keyLen: 32, macLen: 20, cbc: true},
}

func suiteParams(id CipherSuite) *suiteInfo {
	for i := range suites {
		if suites[i].id == id {
			return &suites[i]
		}
	}
	return nil
}

// AllCipherSuites returns every suite this package implements, the CBC ones
// last.
func AllCipherSuites() []CipherSuite {
	out := make([]CipherSuite, len(suites))
	for i := range suites {
		out[i] = suites[i].id
	}
	return out
}

func (s *suiteInfo) prfHash() func() hash.Hash {
	if s.sha384 {
		return sha512.New384
	}
	return sha256.New
}

// recordCipher protects and unprotects record fragments for one direction of
// one epoch.
type recordCipher interface {
	// seal appends the protected fragment of plaintext to out and returns it.
	// h.Length is the plaintext length.
	seal(out []byte, h RecordHeader, plaintext []byte, rand io.Reader) ([]byte, error)
	// open returns the plaintext of fragment, written to dst[:0].
	open(dst []byte, h RecordHeader, fragment []byte) ([]byte, error)
	// overhead is the largest number of bytes protection adds.
	overhead() int
}

var errAuth = errors.New("record authentication failed")

// adMax is the longest additional data: the tls12_cid form with a 255-byte
// CID.
const adMax = 8 + 3 + 2 + 2 + 6 + 255 + 2

// adInline is the additional data a cipher holds inline: the 13 bytes of
// a record without CID, or the tls12_cid form with a CID of up to 17 bytes.
const adInline = 8 + 3 + 2 + 2 + 6 + 17 + 2

// adScratch is a cipher's buffer for the additional data of one record
// (a local would escape through the AEAD interface). The usual forms fit
// inline; a longer CID takes an adMax buffer, allocated once. Two ciphers
// per connection kept adMax (278 bytes) inline each before.
type adScratch struct {
	inline [adInline]byte
	long   []byte
}

// buf returns room for the additional data of a record with a CID of
// cidLen bytes.
func (s *adScratch) buf(cidLen int) []byte {
	if 8+3+2+2+6+cidLen+2 <= adInline {
		return s.inline[:]
	}
	if s.long == nil {
		s.long = make([]byte, adMax)
	}
	return s.long
}

// additionalData builds the AEAD additional data (RFC 5246 §6.2.3.3 with the
// DTLS sequence number of RFC 6347 §4.1.2.1): seq_num (epoch and sequence) +
// type + version + length of the plaintext. A tls12_cid record uses the
// construction of RFC 9146 §5.2 (the same bytes start the MAC input of a
// block cipher, §5.1):
//
//	seq_num_placeholder (8 bytes of 0xff) + tls12_cid + cid_length +
//	tls12_cid + version + epoch + sequence_number + cid +
//	length_of_DTLSInnerPlaintext
func additionalData(s *adScratch, h RecordHeader, plainLen int) []byte {
	ad := s.buf(len(h.CID))
	if h.Type == ContentTLS12CID {
		binary.BigEndian.PutUint64(ad[0:8], ^uint64(0))
		ad[8], ad[9], ad[10] = byte(ContentTLS12CID), byte(len(h.CID)), byte(ContentTLS12CID)
		binary.BigEndian.PutUint16(ad[11:13], h.Version)
		binary.BigEndian.PutUint64(ad[13:21], seqNum64(h.Epoch, h.Seq))
		n := 21 + copy(ad[21:21+len(h.CID)], h.CID)
		binary.BigEndian.PutUint16(ad[n:n+2], uint16(plainLen))
		return ad[:n+2]
	}
	binary.BigEndian.PutUint64(ad[0:8], seqNum64(h.Epoch, h.Seq))
	ad[8] = byte(h.Type)
	binary.BigEndian.PutUint16(ad[9:11], h.Version)
	binary.BigEndian.PutUint16(ad[11:13], uint16(plainLen))
	return ad[:13]
}

// gcmCipher is AES-GCM with a 4-byte implicit salt and an 8-byte explicit
// nonce carried in each record (RFC 5288 §3). The explicit part is the
// epoch and sequence number, which never repeat under one key.
type gcmCipher struct {
	aead  cipher.AEAD
	salt  [4]byte
	nonce [12]byte // scratch, so that nothing escapes per record
	ad    adScratch
}

func (g *gcmCipher) overhead() int { return 8 + 16 }

func (g *gcmCipher) seal(out []byte, h RecordHeader, plaintext []byte, _ io.Reader) ([]byte, error) {
	copy(g.nonce[:4], g.salt[:])
	binary.BigEndian.PutUint64(g.nonce[4:], seqNum64(h.Epoch, h.Seq))
	out = append(out, g.nonce[4:]...)
	return g.aead.Seal(out, g.nonce[:], plaintext, additionalData(&g.ad, h, len(plaintext))), nil
}

func (g *gcmCipher) open(dst []byte, h RecordHeader, fragment []byte) ([]byte, error) {
	if len(fragment) < 8+16 {
		return nil, errAuth
	}
	copy(g.nonce[:4], g.salt[:])
	copy(g.nonce[4:], fragment[:8])
	p, err := g.aead.Open(dst[:0], g.nonce[:], fragment[8:], additionalData(&g.ad, h, len(fragment)-8-16))
	if err != nil {
		return nil, errAuth
	}
	return p, nil
}

// chachaCipher is ChaCha20-Poly1305 (RFC 7905 §2): the nonce is the 12-byte
// IV XORed with the left-padded 64-bit sequence number; no explicit nonce.
type chachaCipher struct {
	aead  cipher.AEAD
	iv    [12]byte
	nonce [12]byte // scratch
	ad    adScratch
}

func (c *chachaCipher) overhead() int { return 16 }

func (c *chachaCipher) setNonce(h RecordHeader) []byte {
	c.nonce = c.iv
	s := seqNum64(h.Epoch, h.Seq)
	for i := range 8 {
		c.nonce[4+i] ^= byte(s >> (56 - 8*i))
	}
	return c.nonce[:]
}

func (c *chachaCipher) seal(out []byte, h RecordHeader, plaintext []byte, _ io.Reader) ([]byte, error) {
	return c.aead.Seal(out, c.setNonce(h), plaintext, additionalData(&c.ad, h, len(plaintext))), nil
}

func (c *chachaCipher) open(dst []byte, h RecordHeader, fragment []byte) ([]byte, error) {
	if len(fragment) < 16 {
		return nil, errAuth
	}
	p, err := c.aead.Open(dst[:0], c.setNonce(h), fragment, additionalData(&c.ad, h, len(fragment)-16))
	if err != nil {
		return nil, errAuth
	}
	return p, nil
}

// cbcCipher is AES-CBC with HMAC-SHA1, MAC-then-encrypt and an explicit
// random IV per record (RFC 5246 §6.2.3.2).
type cbcCipher struct {
	block  cipher.Block
	macKey []byte
	mac    hash.Hash
	sum    []byte
	ad     adScratch
	iv     [16]byte
}

func (c *cbcCipher) overhead() int { return 16 + 20 + 16 }

func (c *cbcCipher) computeMAC(h RecordHeader, plaintext []byte) []byte {
	c.mac.Reset()
	c.mac.Write(additionalData(&c.ad, h, len(plaintext)))
	c.mac.Write(plaintext)
	c.sum = c.mac.Sum(c.sum[:0])
	return c.sum
}

func (c *cbcCipher) seal(out []byte, h RecordHeader, plaintext []byte, rand io.Reader) ([]byte, error) {
	iv := c.iv[:]
	if _, err := io.ReadFull(rand, iv); err != nil {
		return nil, err
	}
	out = append(out, iv...)
	body := len(out)
	out = append(out, plaintext...)
	out = append(out, c.computeMAC(h, plaintext)...)
	// RFC 5246 §6.2.3.2: padding bytes each hold the padding length.
	pad := 16 - (len(out)-body)%16
	for range pad {
		out = append(out, byte(pad-1))
	}
	cipher.NewCBCEncrypter(c.block, iv).CryptBlocks(out[body:], out[body:])
	return out, nil
}

func (c *cbcCipher) open(dst []byte, h RecordHeader, fragment []byte) ([]byte, error) {
	if len(fragment) < 32 || len(fragment)%16 != 0 {
		return nil, errAuth
	}
	iv := fragment[:16]
	body := fragment[16:]
	dst = append(dst[:0], body...)
	cipher.NewCBCDecrypter(c.block, iv).CryptBlocks(dst, dst)
	padLen := int(dst[len(dst)-1])
	if padLen+1+20 > len(dst) {
		return nil, errAuth
	}
	good := 1
	for i := len(dst) - 1 - padLen; i < len(dst); i++ {
		good &= subtle.ConstantTimeByteEq(dst[i], byte(padLen))
	}
	n := len(dst) - 1 - padLen - 20
	want := c.computeMAC(h, dst[:n])
	good &= subtle.ConstantTimeCompare(want, dst[n:n+20])
	if good != 1 {
		return nil, errAuth
	}
	return dst[:n], nil
}

// keyBlock splits the key expansion (RFC 5246 §6.3) into the two directions.
type keyBlock struct {
	clientMAC, serverMAC []byte
	clientKey, serverKey []byte
	clientIV, serverIV   []byte
}

func (s *suiteInfo) keyBlockLen() int { return 2*s.macLen + 2*s.keyLen + 2*s.ivLen }

func (s *suiteInfo) splitKeyBlock(kb []byte) keyBlock {
	var k keyBlock
	take := func(n int) []byte {
		v := kb[:n:n]
		kb = kb[n:]
		return v
	}
	k.clientMAC, k.serverMAC = take(s.macLen), take(s.macLen)
	k.clientKey, k.serverKey = take(s.keyLen), take(s.keyLen)
	k.clientIV, k.serverIV = take(s.ivLen), take(s.ivLen)
	return k
}

// newCipher builds the record cipher for one direction.
func (s *suiteInfo) newCipher(mac, key, iv []byte) (recordCipher, error) {
	switch s.kind {
	case kindGCM:
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		g := &gcmCipher{aead: aead}
		copy(g.salt[:], iv)
		return g, nil
	case kindChaCha:
		aead, err := chacha20poly1305.New(key)
		if err != nil {
			return nil, err
		}
		c := &chachaCipher{aead: aead}
		copy(c.iv[:], iv)
		return c, nil
	default:
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		return &cbcCipher{block: block, macKey: mac, mac: hmac.New(sha1.New, mac)}, nil
	}
}
