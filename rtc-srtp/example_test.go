package srtp_test

import (
	"fmt"

	srtp "github.com/sansrtc/rtc/rtc-srtp"
)

// Example keys two contexts from DTLS-SRTP exported keying material, one per
// side, and sends one RTP packet from the client to the server.
func Example() {
	profile := srtp.AEADAES128GCM
	material := make([]byte, profile.KeyingMaterialLen()) // from the DTLS exporter
	for i := range material {
		material[i] = byte(i)
	}
	clientLocal, _, err := srtp.ConfigsFromDTLS(srtp.Config{Profile: profile}, material, srtp.RoleClient)
	if err != nil {
		panic(err)
	}
	_, serverRemote, err := srtp.ConfigsFromDTLS(srtp.Config{Profile: profile}, material, srtp.RoleServer)
	if err != nil {
		panic(err)
	}
	sender, err := srtp.NewContext(clientLocal)
	if err != nil {
		panic(err)
	}
	receiver, err := srtp.NewContext(serverRemote)
	if err != nil {
		panic(err)
	}

	rtp := []byte{0x80, 0x60, 0x00, 0x01, 0, 0, 0, 0, 0xca, 0xfe, 0xba, 0xbe, 'h', 'e', 'l', 'l', 'o'}
	buf := make([]byte, len(rtp), len(rtp)+sender.RTPOverhead())
	copy(buf, rtp)
	packet, err := sender.ProtectRTP(buf) // in place
	if err != nil {
		panic(err)
	}
	fmt.Println("SRTP packet:", len(packet), "octets")

	plain, err := receiver.AppendUnprotectRTP(nil, packet) // packet is left as it is
	if err != nil {
		panic(err)
	}
	fmt.Printf("payload: %s\n", plain[12:])

	_, err = receiver.AppendUnprotectRTP(nil, packet)
	fmt.Println("again:", err)

	rtp[3] = 2 // the next sequence number
	packet, err = sender.AppendProtectRTP(nil, rtp)
	if err != nil {
		panic(err)
	}
	packet[len(packet)-1] ^= 1 // one bit of the tag flipped on the way
	_, err = receiver.AppendUnprotectRTP(nil, packet)
	fmt.Println("tampered:", err)
	// Output:
	// SRTP packet: 33 octets
	// payload: hello
	// again: srtp: replayed packet
	// tampered: srtp: authentication failed
}
