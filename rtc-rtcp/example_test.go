package rtcp_test

import (
	"fmt"
	"time"

	rtcp "github.com/sansrtc/rtc/rtc-rtcp"
)

// Example builds a compound SR + SDES packet and decodes it again.
func Example() {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	sr := &rtcp.SenderReport{SSRC: 0x1234, NTPTime: rtcp.NTPTime(now), RTPTime: 90000, PacketCount: 10, OctetCount: 12000}
	sdes := &rtcp.SourceDescription{Chunks: []rtcp.SDESChunk{
		{Source: 0x1234, Items: []rtcp.SDESItem{{Type: rtcp.SDESCNAME, Text: []byte("alice")}}},
	}}
	b, err := rtcp.Marshal(sr, sdes)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(b), "octets, valid:", rtcp.Validate(b, false) == nil)

	d := rtcp.NewDecoder(rtcp.Config{})
	d.Reset(b)
	for p, ok := d.Next(); ok; p, ok = d.Next() {
		switch p := p.(type) {
		case *rtcp.SenderReport:
			fmt.Println("SR from", p.SSRC, "at", rtcp.TimeFromNTP(p.NTPTime).Format(time.TimeOnly))
		case *rtcp.SourceDescription:
			cname, _ := p.CNAME(0x1234)
			fmt.Printf("CNAME %s\n", cname)
		}
	}
	// Output:
	// 44 octets, valid: true
	// SR from 4660 at 12:00:00
	// CNAME alice
}

// ExampleBuildTransportCC reports four packets, one of them lost.
func ExampleBuildTransportCC() {
	var fb rtcp.TransportCC
	err := rtcp.BuildTransportCC(&fb, 1, 2, 0, []rtcp.TWCCArrival{
		{Sequence: 10, At: 1000 * time.Millisecond},
		{Sequence: 11, At: 1005 * time.Millisecond},
		{Sequence: 13, At: 1012 * time.Millisecond},
	})
	if err != nil {
		panic(err)
	}
	for _, p := range fb.Packets(nil) {
		fmt.Println(p.Sequence, p.Symbol, time.Duration(p.Delta)*rtcp.TWCCDeltaUnit)
	}
	// Output:
	// 10 small-delta 40ms
	// 11 small-delta 5ms
	// 12 not-received 0s
	// 13 small-delta 7ms
}

// ExampleRTT computes a round-trip time from a receiver report block.
func ExampleRTT() {
	lsr := rtcp.CompactNTP(rtcp.NTPTime(time.Unix(100, 0)))       // when we sent the SR
	arrival := rtcp.CompactNTP(rtcp.NTPTime(time.Unix(100, 9e8))) // when the RR came back
	dlsr := rtcp.CompactDuration(800 * time.Millisecond)          // how long the peer held it
	rtt, ok := rtcp.RTT(arrival, lsr, dlsr)
	fmt.Println(rtt.Round(time.Millisecond), ok)
	// Output: 100ms true
}

// ExampleNACKPairs packs lost sequence numbers into a Generic NACK.
func ExampleNACKPairs() {
	pairs := rtcp.NACKPairs(nil, []uint16{100, 101, 105, 130})
	for _, p := range pairs {
		fmt.Printf("PID %d BLP %016b\n", p.PacketID, p.LostPackets)
	}
	// Output:
	// PID 100 BLP 0000000000010001
	// PID 130 BLP 0000000000000000
}
