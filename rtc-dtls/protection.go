package dtls

import (
	"errors"
	"io"
)

// RecordProtection seals and opens record fragments for one direction of
// one epoch with a suite's AEAD or CBC construction (RFC 5288, RFC 7905,
// RFC 5246 §6.2.3). Conn uses it internally; it is exported for
// benchmarks and known-answer tests. It allocates nothing when dst has
// room.
type RecordProtection struct {
	c    recordCipher
	rand io.Reader
}

// NewRecordProtection builds the protection of suite from the write key,
// the fixed IV (4 bytes for AES-GCM, 12 for ChaCha20-Poly1305, none for
// CBC) and the MAC key (CBC only). rand supplies CBC IVs (nil:
// crypto/rand).
func NewRecordProtection(suite CipherSuite, key, iv, macKey []byte, rand io.Reader) (*RecordProtection, error) {
	s := suiteParams(suite)
	if s == nil {
		return nil, errors.New("dtls: unknown cipher suite")
	}
	if len(key) != s.keyLen || len(iv) != s.ivLen || len(macKey) != s.macLen {
		return nil, errors.New("dtls: wrong key, IV or MAC key length for the suite")
	}
	c, err := s.newCipher(macKey, key, iv)
	if err != nil {
		return nil, err
	}
	cfg := Config{Rand: rand}
	return &RecordProtection{c: c, rand: cfg.rand()}, nil
}

// Overhead is the most bytes protection adds to a fragment.
func (p *RecordProtection) Overhead() int { return p.c.overhead() }

// Seal appends the record (header with the right length, then the
// protected fragment) to dst. h.Length is ignored. For a tls12_cid record
// (h.Type ContentTLS12CID, h.CID set) plaintext is the whole
// DTLSInnerPlaintext (RFC 9146 §4: content, real type, zeros).
func (p *RecordProtection) Seal(dst []byte, h RecordHeader, plaintext []byte) ([]byte, error) {
	start := len(dst)
	h.Length = 0
	dst = h.AppendTo(dst)
	dst, err := p.c.seal(dst, h, plaintext, p.rand)
	if err != nil {
		return dst[:start], err
	}
	hl := h.Len() // 13, plus the CID of a tls12_cid record
	n := len(dst) - start - hl
	dst[start+hl-2], dst[start+hl-1] = byte(n>>8), byte(n)
	return dst, nil
}

// Open authenticates and decrypts a record fragment, writing the plaintext
// to dst[:0] (which must not overlap fragment).
func (p *RecordProtection) Open(dst []byte, h RecordHeader, fragment []byte) ([]byte, error) {
	return p.c.open(dst, h, fragment)
}
