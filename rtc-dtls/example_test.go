package dtls_test

import (
	"fmt"
	"net/netip"
	"time"

	dtls "github.com/sansrtc/rtc/rtc-dtls"
	"github.com/sansrtc/rtc/rtc-shared"
)

// Example runs a handshake between a client and a server in memory and
// prints what they negotiated.
func Example() {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clientCert, err := dtls.GenerateCertificate(now, dtls.KeyECDSAP256)
	check(err)
	serverCert, err := dtls.GenerateCertificate(now, dtls.KeyECDSAP256)
	check(err)
	clientFP, err := clientCert.Fingerprint("sha-256") // a=fingerprint in the client's SDP
	check(err)
	serverFP, err := serverCert.Fingerprint("sha-256")
	check(err)

	a := netip.MustParseAddrPort("192.0.2.1:5000")
	b := netip.MustParseAddrPort("192.0.2.2:5000")
	client, err := dtls.NewClient(now, shared.TransportContext{Local: a, Peer: b}, &dtls.Config{
		Certificate:      clientCert,
		PeerFingerprints: []dtls.Fingerprint{serverFP},
		SRTPProfiles:     []uint16{0x0001}, // SRTP_AES128_CM_HMAC_SHA1_80: rtc-srtp names the ids
	})
	check(err)
	server, err := dtls.NewServer(now, shared.TransportContext{Local: b, Peer: a}, &dtls.Config{
		Certificate:      serverCert,
		PeerFingerprints: []dtls.Fingerprint{clientFP},
	})
	check(err)

	// The drive loop, twice over: move datagrams until both sides are quiet.
	for moved := true; moved; {
		moved = false
		for _, pair := range [][2]*dtls.Conn{{client, server}, {server, client}} {
			from, to := pair[0], pair[1]
			for dg, ok := from.PollWrite(); ok; dg, ok = from.PollWrite() {
				check(to.HandleRead(shared.TaggedBytes{Now: now, Transport: to.Transport(), Message: dg.Message}))
				moved = true
			}
		}
	}
	for ev, ok := client.PollEvent(); ok; ev, ok = client.PollEvent() {
		if ev.Kind == dtls.EventHandshakeComplete {
			st := ev.State
			fmt.Println(st.Version, st.CipherSuite)
			// rtc-srtp keys SRTP from the exporter:
			// srtp.ConfigsFromExporter(srtp.Config{Profile: srtp.Profile(st.SRTPProfile)}, client, srtp.RoleClient)
			km, err := client.ExportKeyingMaterial("EXTRACTOR-dtls_srtp", nil, 60)
			check(err)
			fmt.Printf("srtp profile: %#04x, keying material: %d bytes\n", st.SRTPProfile, len(km))
			fmt.Println("peer verified:", st.PeerFingerprint.String() == serverFP.String())
		}
	}
	// Output:
	// DTLS 1.3 TLS_AES_128_GCM_SHA256
	// srtp profile: 0x0001, keying material: 60 bytes
	// peer verified: true
}

// check stops the example on an error.
func check(err error) {
	if err != nil {
		panic(err)
	}
}

// ExampleParseFingerprint reads the a=fingerprint value of an SDP and
// checks a certificate against it.
func ExampleParseFingerprint() {
	f, err := dtls.ParseFingerprint("sha-256 13:D3:04:C4:DE:BA:0D:C1:2E:9C:C7:2A:1E:40:6B:9B:36:1C:50:E6:0C:6F:FA:1D:E3:59:A4:D8:AA:D2:6D:A9")
	if err != nil {
		panic(err)
	}
	fmt.Println(f.Algorithm, len(f.Value), "bytes")
	fmt.Println(f.Matches([]byte("some other certificate")))
	// Output:
	// sha-256 32 bytes
	// false
}
