package stun

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"runtime"
	"testing"

	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// TestIntegrityMatchesHMAC: the HMAC computed over one hash state is
// crypto/hmac's (RFC 2104) for both hashes, for keys shorter than, equal
// to and longer than the 64-byte block (RFC 2104 §2 hashes a longer key
// first; ICE passwords may be up to 256 characters, RFC 8839 §5.4), for
// messages of several lengths, and stays so when one Integrity alternates
// hashes and messages.
func TestIntegrityMatchesHMAC(t *testing.T) {
	for _, keyLen := range []int{0, 1, 16, 22, 32, 63, 64, 65, 128, 256} {
		key := make([]byte, keyLen)
		for i := range key {
			key[i] = byte(i*7 + keyLen)
		}
		in := NewIntegrity(key)
		for _, msgLen := range []int{HeaderSize, 100, 1000} {
			msg := make([]byte, msgLen)
			for i := range msg {
				msg[i] = byte(i * 13)
			}
			for _, tc := range []struct {
				t AttrType
				h func() hash.Hash
			}{{AttrMessageIntegrity, sha1.New}, {AttrMessageIntegritySHA256, sha256.New}} {
				m := hmac.New(tc.h, key)
				m.Write(msg)
				want := m.Sum(nil)
				if got := in.sum(tc.t, msg); !bytes.Equal(got, want) {
					t.Errorf("key %d, message %d, %v: %x, want %x", keyLen, msgLen, tc.t, got, want)
				}
			}
		}
	}
}

// TestIntegrityCheckLongKey: a message signed with a key longer than a
// block checks with that key and not with another (both attributes).
func TestIntegrityCheckLongKey(t *testing.T) {
	key := bytes.Repeat([]byte("p"), 200)
	in := NewIntegrity(key)
	b := NewBuilder(nil, BindingRequest, testTID)
	b.AddPriority(1)
	b.AddMessageIntegrity(in)
	b.AddMessageIntegritySHA256(in)
	raw := built(t, &b)
	var m Message
	if err := Parse(raw, &m); err != nil {
		t.Fatal(err)
	}
	if err := in.CheckSHA1(&m); err != nil {
		t.Error("SHA-1:", err)
	}
	if err := in.CheckSHA256(&m); err != nil {
		t.Error("SHA-256:", err)
	}
	// The MESSAGE-INTEGRITY value is the HMAC of the message up to it,
	// with the length ending after it (RFC 8489 §14.5).
	off := len(raw) - (attrHeaderSize + 32) - (attrHeaderSize + 20)
	hdr := bytes.Clone(raw[:off])
	binary.BigEndian.PutUint16(hdr[2:], uint16(off+attrHeaderSize+20-HeaderSize))
	mac := hmac.New(sha1.New, key)
	mac.Write(hdr)
	if want := mac.Sum(nil); !bytes.Equal(raw[off+attrHeaderSize:off+attrHeaderSize+20], want) {
		t.Errorf("MESSAGE-INTEGRITY %x, want %x", raw[off+attrHeaderSize:off+attrHeaderSize+20], want)
	}
	other := NewIntegrity(append(bytes.Clone(key[:199]), 'q'))
	if other.CheckSHA1(&m) != ErrIntegrityMismatch || other.CheckSHA256(&m) != ErrIntegrityMismatch {
		t.Error("a different long key checks")
	}
}

// TestIntegrityMemory: an Integrity that has computed and checked
// MESSAGE-INTEGRITY keeps one SHA-1 state: under 400 bytes with a 22-byte
// ICE password (issue 18; with crypto/hmac it kept about 690: the HMAC's
// two hash states and their two saved states).
func TestIntegrityMemory(t *testing.T) {
	const n = 500
	key := []byte("VOkJxbRl1RmTxUk/WvJxBt")
	raw := iceRequest(nil, NewIntegrity(key))
	var m Message
	if err := Parse(raw, &m); err != nil {
		t.Fatal(err)
	}
	keep := make([]*Integrity, n)
	before := contracttest.LiveHeap()
	for i := range keep {
		in := NewIntegrity(key)
		iceRequest(make([]byte, 0, 256), in)
		if err := in.Check(&m); err != nil {
			t.Fatal(err)
		}
		keep[i] = in
	}
	per := float64(contracttest.LiveHeap()-before) / n
	runtime.KeepAlive(keep)
	t.Logf("%.0f bytes per Integrity", per)
	if per > 400 {
		t.Errorf("an Integrity keeps %.0f bytes, want at most 400", per)
	}
}
