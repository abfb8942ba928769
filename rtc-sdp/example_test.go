package sdp_test

import (
	"fmt"
	"os"
	"strings"

	sdp "github.com/sansrtc/rtc/rtc-sdp"
)

// Read the transport parameters of each section of a browser offer.
func ExampleParse() {
	b, err := os.ReadFile("testdata/chrome_offer.sdp")
	if err != nil {
		panic(err)
	}
	sd, err := sdp.Unmarshal(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	bundle, _ := sd.BundleGroup()
	fmt.Println("bundle:", bundle.MIDs)
	for _, md := range sd.Media {
		mid, _ := md.MID()
		setup, err := sd.Setup(md)
		if err != nil {
			panic(err)
		}
		fps, err := sd.Fingerprints(md)
		if err != nil {
			panic(err)
		}
		fmt.Println(mid, md.Media, md.Proto, setup, fps[0].Hash, sd.Direction(md))
	}
	opus, _ := sd.Media[0].RTPMap(111)
	fmt.Println(opus.Encoding, opus.ClockRate, opus.Channels)
	port, _, err := sd.Media[2].SCTPPort()
	if err != nil {
		panic(err)
	}
	fmt.Println("sctp-port", port)
	// Output:
	// bundle: [0 1 2]
	// 0 audio UDP/TLS/RTP/SAVPF actpass sha-256 sendrecv
	// 1 video UDP/TLS/RTP/SAVPF actpass sha-256 sendrecv
	// 2 application UDP/DTLS/SCTP actpass sha-256 sendrecv
	// opus 48000 2
	// sctp-port 5000
}

// Build an offer with an audio and a data section.
func ExampleNewSession() {
	sd := sdp.NewSession(4962303333179871722, 1)
	sd.Attributes.AddValue(sdp.Group{Semantics: "BUNDLE", MIDs: []string{"0", "1"}})
	fp := sdp.NewFingerprint("sha-256", []byte{0x19, 0xE2, 0x1C, 0x3B})

	audio := sdp.NewMedia("audio", 9, "UDP/TLS/RTP/SAVPF").WithDiscardConnection()
	audio.AddAttr(sdp.AttrMID, "0").
		AddAttr(sdp.AttrICEUfrag, "ETEn").
		AddAttr(sdp.AttrICEPwd, "OtSK0WpNtpUjkY4+86js7ZQl").
		Add(fp).Add(sdp.SetupActpass).
		SetDirection(sdp.DirectionSendRecv).
		AddFlag(sdp.AttrRTCPMux).
		AddCodec(sdp.Codec{PayloadType: 111, Name: "opus", ClockRate: 48000, Channels: 2,
			FMTP: "minptime=10;useinbandfec=1", Feedback: []sdp.RTCPFeedback{{Type: "transport-cc"}}})
	audio.Add(sdp.Candidate{Foundation: "1", Component: 1, Transport: "udp", Priority: 2130706431,
		Address: "192.0.2.1", Port: 50000, Type: sdp.CandidateHost})

	data := sdp.NewMedia("application", 9, "UDP/DTLS/SCTP", "webrtc-datachannel").WithDiscardConnection()
	data.AddAttr(sdp.AttrMID, "1").AddAttr(sdp.AttrSCTPPort, "5000").AddAttr(sdp.AttrMaxMessageSize, "262144")

	fmt.Print(strings.ReplaceAll(sd.AddMedia(audio, data).String(), "\r\n", "\n")) // CRLF shown as LF
	// Output:
	// v=0
	// o=- 4962303333179871722 1 IN IP4 127.0.0.1
	// s=-
	// t=0 0
	// a=group:BUNDLE 0 1
	// m=audio 9 UDP/TLS/RTP/SAVPF 111
	// c=IN IP4 0.0.0.0
	// a=mid:0
	// a=ice-ufrag:ETEn
	// a=ice-pwd:OtSK0WpNtpUjkY4+86js7ZQl
	// a=fingerprint:sha-256 19:E2:1C:3B
	// a=setup:actpass
	// a=sendrecv
	// a=rtcp-mux
	// a=rtpmap:111 opus/48000/2
	// a=rtcp-fb:111 transport-cc
	// a=fmtp:111 minptime=10;useinbandfec=1
	// a=candidate:1 1 udp 2130706431 192.0.2.1 50000 typ host
	// m=application 9 UDP/DTLS/SCTP webrtc-datachannel
	// c=IN IP4 0.0.0.0
	// a=mid:1
	// a=sctp-port:5000
	// a=max-message-size:262144
}

// Parse a trickled candidate string (RTCIceCandidate.candidate).
func ExampleParseCandidate() {
	c, err := sdp.ParseCandidate("candidate:842163049 1 udp 1677729535 203.0.113.7 51234 typ srflx raddr 192.0.2.5 rport 51234 generation 0 ufrag EsAw network-cost 10")
	if err != nil {
		fmt.Println(err)
		return
	}
	ap, _ := c.AddrPort()
	cost, _ := c.NetworkCost()
	fmt.Println(c.Type, ap, c.RelatedAddress, c.RelatedPort, cost)
	_, err = sdp.ParseCandidate("candidate:1 1 udp 1 192.0.2.1 9 host")
	fmt.Println(err)
	// Output:
	// srflx 203.0.113.7:51234 192.0.2.5 51234 10
	// sdp: bad a=candidate:"candidate:1 1 udp 1 192.0.2.1 9 host": needs foundation, component, transport, priority, address, port and typ
}
