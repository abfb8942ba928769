// Package stunvectors holds the published STUN test vectors for the tests
// of rtc-stun and of the modules built on it (rtc-turn checks its
// long-term credential keys against them): RFC 5769 and RFC 8489
// Appendix B.1 as corrected by Errata 6268. The JSON transcriptions are
// embedded, so every test reads the one copy.
package stunvectors

import (
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

//go:embed rfc5769_stun_vectors.json
var rfc5769JSON []byte

//go:embed rfc8489_appendix_b1_sha256.json
var rfc8489B1JSON []byte

// Vector is one RFC 5769 test vector.
type Vector struct {
	Name    string // the RFC section's title
	Message []byte // the message, byte for byte as printed
}

// RFC5769 returns the four vectors of RFC 5769 in RFC order: §2.1 the
// request with short-term credentials, §2.2 and §2.3 the IPv4 and IPv6
// responses, §2.4 the request with long-term credentials. Each call
// returns fresh slices.
func RFC5769() ([]Vector, error) {
	var f struct {
		Vectors []struct {
			Name       string `json:"name"`
			MessageHex string `json:"message_hex"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(rfc5769JSON, &f); err != nil {
		return nil, fmt.Errorf("stunvectors: RFC 5769: %w", err)
	}
	if len(f.Vectors) != 4 {
		return nil, fmt.Errorf("stunvectors: RFC 5769: %d vectors, want 4", len(f.Vectors))
	}
	vs := make([]Vector, len(f.Vectors))
	for i, v := range f.Vectors {
		b, err := hex.DecodeString(v.MessageHex)
		if err != nil {
			return nil, fmt.Errorf("stunvectors: RFC 5769 %s: %w", v.Name, err)
		}
		vs[i] = Vector{Name: v.Name, Message: b}
	}
	return vs, nil
}

// RFC8489B1 returns the RFC 8489 Appendix B.1 request (long-term
// credentials with USERHASH, PASSWORD-ALGORITHM SHA-256 and
// MESSAGE-INTEGRITY-SHA256): errata is the corrected message of Errata
// 6268, the one to test against; published is the message as printed in
// the RFC, whose header length is wrong (a parser must reject it).
func RFC8489B1() (errata, published []byte, err error) {
	var f struct {
		Published struct {
			MessageHex string `json:"message_hex"`
		} `json:"published_vector"`
		Errata struct {
			MessageHex string `json:"message_hex"`
		} `json:"errata_6268_vector"`
	}
	if err := json.Unmarshal(rfc8489B1JSON, &f); err != nil {
		return nil, nil, fmt.Errorf("stunvectors: RFC 8489 B.1: %w", err)
	}
	if errata, err = hex.DecodeString(f.Errata.MessageHex); err != nil {
		return nil, nil, fmt.Errorf("stunvectors: RFC 8489 B.1 errata: %w", err)
	}
	if published, err = hex.DecodeString(f.Published.MessageHex); err != nil {
		return nil, nil, fmt.Errorf("stunvectors: RFC 8489 B.1 published: %w", err)
	}
	return errata, published, nil
}
