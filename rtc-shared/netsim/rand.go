package netsim

import (
	"io"
	"math/rand/v2"
)

// NewRand returns a deterministic byte stream (ChaCha8) derived from seed
// and a label, for an endpoint's Config.Rand in tests: the same seed and
// label always give the same bytes, different labels give independent
// streams. It is not for production use.
func NewRand(seed uint64, label string) io.Reader {
	var key [32]byte
	for i := range 8 {
		key[i] = byte(seed >> (8 * i))
	}
	copy(key[8:], label)
	h := uint64(14695981039346656037) // FNV-1a over the full label, for long labels
	for i := 0; i < len(label); i++ {
		h ^= uint64(label[i])
		h *= 1099511628211
	}
	for i := range 8 {
		key[24+i] ^= byte(h >> (8 * i))
	}
	return rand.NewChaCha8(key)
}
