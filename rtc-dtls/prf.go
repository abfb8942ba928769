package dtls

import (
	"crypto/hmac"
	"hash"
)

// pHash is P_hash of RFC 5246 §5:
//
//	P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) +
//	                       HMAC_hash(secret, A(2) + seed) + ...
//	A(0) = seed, A(i) = HMAC_hash(secret, A(i-1))
func pHash(out, secret, seed []byte, h func() hash.Hash) {
	mac := hmac.New(h, secret)
	mac.Write(seed)
	a := mac.Sum(nil)
	var block []byte
	for len(out) > 0 {
		mac.Reset()
		mac.Write(a)
		mac.Write(seed)
		block = mac.Sum(block[:0])
		n := copy(out, block)
		out = out[n:]
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(a[:0])
	}
}

// prf12 is the TLS 1.2 PRF (RFC 5246 §5): PRF(secret, label, seed) =
// P_<hash>(secret, label + seed), with the suite's hash.
func prf12(h func() hash.Hash, secret []byte, label string, seed []byte, n int) []byte {
	ls := make([]byte, 0, len(label)+len(seed))
	ls = append(ls, label...)
	ls = append(ls, seed...)
	out := make([]byte, n)
	pHash(out, secret, ls, h)
	return out
}

// masterSecret computes the master secret, with the extended master secret
// of RFC 7627 §4 when sessionHash is set:
//
//	master_secret = PRF(pre_master_secret, "extended master secret",
//	                    session_hash)[0..47];
//
// and the RFC 5246 §8.1 one otherwise.
func masterSecret(h func() hash.Hash, pms, clientRandom, serverRandom, sessionHash []byte) []byte {
	if sessionHash != nil {
		return prf12(h, pms, "extended master secret", sessionHash, 48)
	}
	seed := append(append([]byte{}, clientRandom...), serverRandom...)
	return prf12(h, pms, "master secret", seed, 48)
}

// keyExpansion derives the key block (RFC 5246 §6.3): PRF(master_secret,
// "key expansion", server_random + client_random).
func keyExpansion(h func() hash.Hash, ms, clientRandom, serverRandom []byte, n int) []byte {
	seed := append(append([]byte{}, serverRandom...), clientRandom...)
	return prf12(h, ms, "key expansion", seed, n)
}

// finishedData computes verify_data (RFC 5246 §7.4.9): PRF(master_secret,
// finished_label, Hash(handshake_messages))[0..11].
func finishedData(h func() hash.Hash, ms []byte, client bool, transcript []byte) []byte {
	label := "server finished"
	if client {
		label = "client finished"
	}
	d := h()
	d.Write(transcript)
	return prf12(h, ms, label, d.Sum(nil), 12)
}

// exportKeyingMaterial is the RFC 5705 §4 exporter:
//
//	PRF(SecurityParameters.master_secret, label,
//	    SecurityParameters.client_random +
//	    SecurityParameters.server_random +
//	    context_value_length + context_value
//	    )[length]
//
// where the context part is present only when a context is given.
func exportKeyingMaterial(h func() hash.Hash, ms, clientRandom, serverRandom []byte, label string, context []byte, useContext bool, n int) []byte {
	seed := make([]byte, 0, 64+2+len(context))
	seed = append(seed, clientRandom...)
	seed = append(seed, serverRandom...)
	if useContext {
		seed = append(seed, byte(len(context)>>8), byte(len(context)))
		seed = append(seed, context...)
	}
	return prf12(h, ms, label, seed, n)
}
