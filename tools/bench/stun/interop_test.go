package stun

import (
	"net"
	"net/netip"
	"testing"

	pion "github.com/pion/stun/v4"
	ours "github.com/sansrtc/rtc/rtc-stun"
	turn "github.com/sansrtc/rtc/rtc-turn"
)

// A TURN-style request with long-term credentials built by Pion verifies
// with rtc-stun's MD5 key, and the reverse.
func TestInteropLongTerm(t *testing.T) {
	const user, realm, pass, nonce = "user", "example.org", "secret", "nonce-123"
	pm := new(pion.Message)
	err := pm.Build(pion.TransactionID, pion.NewType(pion.MethodAllocate, pion.ClassRequest),
		pion.NewUsername(user), pion.NewRealm(realm), pion.NewNonce(nonce),
		&pion.XORMappedAddress{IP: net.ParseIP("192.0.2.1"), Port: 5000},
		pion.NewLongTermIntegrity(user, realm, pass), pion.Fingerprint)
	if err != nil {
		t.Fatal(err)
	}
	var m ours.Message
	if err := ours.Parse(pm.Raw, &m); err != nil {
		t.Fatal(err)
	}
	key, err := turn.LongTermKey(ours.PasswordAlgorithmMD5, user, realm, pass)
	if err != nil {
		t.Fatal(err)
	}
	in := ours.NewIntegrity(key)
	if err := in.Check(&m); err != nil {
		t.Errorf("Pion's MESSAGE-INTEGRITY: %v", err)
	}
	if err := m.CheckFingerprint(); err != nil {
		t.Errorf("Pion's FINGERPRINT: %v", err)
	}
	if a, err := m.XORMappedAddress(); err != nil || a != netip.MustParseAddrPort("192.0.2.1:5000") {
		t.Errorf("address %v", a)
	}

	// The reverse: an error response with ERROR-CODE and IPv6 address.
	b := ours.NewBuilder(nil, ours.MessageType{Method: ours.MethodAllocate, Class: ours.ClassError}, m.TransactionID)
	b.AddErrorCode(ours.CodeStaleNonce, "")
	b.AddXORMappedAddress(netip.MustParseAddrPort("[2001:db8::7]:6000"))
	b.AddRealm(realm)
	b.AddNonce("n2")
	b.AddMessageIntegrity(in)
	b.AddFingerprint()
	raw, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	pr := &pion.Message{Raw: append([]byte(nil), raw...)}
	if err := pr.Decode(); err != nil {
		t.Fatal(err)
	}
	if err := pion.NewLongTermIntegrity(user, realm, pass).Check(pr); err != nil {
		t.Errorf("Pion checking our MESSAGE-INTEGRITY: %v", err)
	}
	if err := pion.Fingerprint.Check(pr); err != nil {
		t.Errorf("Pion checking our FINGERPRINT: %v", err)
	}
	var ec pion.ErrorCodeAttribute
	if err := ec.GetFrom(pr); err != nil || ec.Code != 438 || string(ec.Reason) != "Stale Nonce" {
		t.Errorf("error code %v %v", ec, err)
	}
	var xa pion.XORMappedAddress
	if err := xa.GetFrom(pr); err != nil || xa.String() != "[2001:db8::7]:6000" {
		t.Errorf("xor-mapped %v %v", xa, err)
	}
}
