// Package icebench compares the cost of answering one ICE connectivity
// check: our agent's whole HandleRead → PollWrite path against the STUN
// work Pion's ICE agent does for the same check with pion/stun (decode,
// FINGERPRINT and MESSAGE-INTEGRITY checks, USERNAME and PRIORITY, then a
// success response with XOR-MAPPED-ADDRESS, integrity and fingerprint).
// Pion's side leaves out its agent's locking and candidate bookkeeping, so
// it is a lower bound for Pion.
//
//	go test -bench . -benchmem -count 5 ./bench/ice
package icebench

import (
	"net"
	"net/netip"
	"testing"
	"time"

	pionstun "github.com/pion/stun/v4"
	ice "github.com/sansrtc/rtc/rtc-ice"
	shared "github.com/sansrtc/rtc/rtc-shared"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

const (
	localUfrag  = "LOCL"
	localPwd    = "localpasswordlocalpassword"
	remoteUfrag = "REMT"
	remotePwd   = "remotepasswordremotepassword"
)

var (
	local  = netip.MustParseAddrPort("127.0.0.1:5000")
	remote = netip.MustParseAddrPort("127.0.0.1:6000")
)

// request is a Chromium-style check: USERNAME, PRIORITY, ICE-CONTROLLING,
// GOOG-NETWORK-INFO, MESSAGE-INTEGRITY, FINGERPRINT.
func request() []byte {
	b := stun.NewBuilder(nil, stun.BindingRequest, stun.TransactionID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	b.AddUsername(localUfrag + ":" + remoteUfrag)
	b.AddPriority(1862270975)
	b.AddICEControlling(42)
	b.Add(stun.AttrType(0xC057), []byte{0, 1, 0, 10})
	b.AddMessageIntegrity(stun.NewIntegrity([]byte(localPwd)))
	b.AddFingerprint()
	m, err := b.Bytes()
	if err != nil {
		panic(err) // every value is within its limit: a bug in this helper
	}
	return m
}

func BenchmarkCheckSansrtc(b *testing.B) {
	a, err := ice.NewAgent(ice.Config{LocalUfrag: localUfrag, LocalPassword: localPwd})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	must(b, a.HandleTimeout(now))
	must(b, a.AddLocalAddress(local, shared.UDP))
	must(b, a.SetRemoteCredentials(remoteUfrag, remotePwd))
	must(b, a.AddRemoteCandidateString("candidate:1 1 udp 2130706431 127.0.0.1 6000 typ host"))
	tb := shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: local, Peer: remote}, Message: request()}
	for {
		if _, ok := a.PollEvent(); !ok {
			break
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		must(b, a.HandleRead(tb))
		for {
			m, ok := a.PollWrite()
			if !ok {
				break
			}
			a.ReleaseWrite(m.Message)
		}
	}
}

func BenchmarkCheckPionSTUN(b *testing.B) {
	raw := request()
	integrity := pionstun.NewShortTermIntegrity(localPwd)
	from := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 6000}
	req := new(pionstun.Message)
	resp := new(pionstun.Message)
	var username pionstun.Username
	var priority uint32
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req.Raw = append(req.Raw[:0], raw...)
		if err := req.Decode(); err != nil {
			b.Fatal(err)
		}
		if err := pionstun.Fingerprint.Check(req); err != nil {
			b.Fatal(err)
		}
		if err := integrity.Check(req); err != nil {
			b.Fatal(err)
		}
		if err := username.GetFrom(req); err != nil {
			b.Fatal(err)
		}
		v, err := req.Get(pionstun.AttrPriority)
		if err != nil || len(v) != 4 {
			b.Fatal(err)
		}
		priority = uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3])
		resp.Reset()
		err = resp.Build(pionstun.NewTransactionIDSetter(req.TransactionID), pionstun.BindingSuccess,
			&pionstun.XORMappedAddress{IP: from.IP, Port: from.Port}, integrity, pionstun.Fingerprint)
		if err != nil {
			b.Fatal(err)
		}
	}
	_ = priority
}
