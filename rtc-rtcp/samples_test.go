package rtcp

// samples returns one value of every packet type, filled in, for round-trip
// tests, fuzz seeds and benchmarks.
func samples() []Packet {
	var twcc TransportCC
	if err := BuildTransportCC(&twcc, 1, 2, 7, []TWCCArrival{
		{100, 1_000_000_000}, {101, 1_000_250_000}, {103, 1_020_000_000}, {104, 1_010_000_000}, {120, 1_100_000_000},
	}); err != nil {
		panic(err)
	}
	return []Packet{
		&SenderReport{SSRC: 0x902f9e2e, NTPTime: 0xda8bd1fcdddda05a, RTPTime: 0xaaf4edd5, PacketCount: 1, OctetCount: 2,
			Reports: []ReceptionReport{{SSRC: 0xbc5e9a40, FractionLost: 3, TotalLost: -5, LastSequenceNumber: 0x46e1, Jitter: 273, LastSenderReport: 0x9f36432, Delay: 150137}}},
		&ReceiverReport{SSRC: 1, Reports: []ReceptionReport{{SSRC: 2, TotalLost: 0x7fffff}, {SSRC: 3, TotalLost: -0x800000}},
			ProfileExtensions: []byte{1, 2, 3, 4}},
		&SourceDescription{Chunks: []SDESChunk{
			{Source: 0x10000000, Items: []SDESItem{{SDESCNAME, []byte("{9c00eb92-1afb-9d49-a47d-91f64eee69f5}")}, {SDESName, []byte("n")}}},
			{Source: 2, Items: []SDESItem{{SDESEmail, []byte("a@b")}, {SDESPhone, []byte("+1")}, {SDESLocation, []byte("x")},
				{SDESTool, []byte("sansrtc")}, {SDESNote, []byte("")}, {SDESPrivate, []byte{1, 'p', 'v'}}, {SDESMID, []byte("0")}}},
			{Source: 3},
		}},
		&Goodbye{Sources: []uint32{1, 2}, Reason: []byte("bye now")},
		&Goodbye{Sources: []uint32{7}},
		&ApplicationDefined{Subtype: 5, SSRC: 9, Name: [4]byte{'t', 'e', 's', 't'}, Data: []byte{1, 2, 3, 4}},
		&NACK{SenderSSRC: 1, MediaSSRC: 2, Pairs: []NACKPair{{100, 0x8001}, {200, 0}}},
		&PLI{SenderSSRC: 1, MediaSSRC: 2},
		&SLI{SenderSSRC: 1, MediaSSRC: 2, Entries: []SLIEntry{{First: 8191, Number: 3, PictureID: 63}}},
		&FIR{SenderSSRC: 1, Entries: []FIREntry{{SSRC: 2, SequenceNumber: 9}, {SSRC: 3, SequenceNumber: 255}}},
		&TMMBR{SenderSSRC: 1, Entries: []TMMBEntry{NewTMMBEntry(2, 1_500_000, 40)}},
		&TMMBN{SenderSSRC: 1},
		&REMB{SenderSSRC: 1, Exp: 3, Mantissa: 0x3ffff, SSRCs: []uint32{5, 6}},
		&twcc,
		&CCFeedback{SenderSSRC: 1, ReportTimestamp: 0x12345678, Blocks: []CCFBBlock{
			{MediaSSRC: 2, BeginSequence: 65535, Metrics: []CCFBMetric{{true, 1, 100}, {false, 0, 0}, {true, 3, 0x1fff}}},
			{MediaSSRC: 3, BeginSequence: 7, Metrics: []CCFBMetric{{true, 0, 5}, {true, 2, 6}}},
		}},
		&ExtendedReport{SSRC: 1, Blocks: []XRBlock{NewRRTR(0x0102030405060708), NewDLRR(DLRRItem{1, 2, 3}, DLRRItem{4, 5, 6}),
			{Type: 42, TypeSpecific: 9, Body: []byte{1, 2, 3, 4}}}},
		&RPSI{SenderSSRC: 1, MediaSSRC: 2, PayloadType: 96, BitString: []byte{0xab, 0xc0}, PaddingBits: 6},
		&RawPacket{Header: Header{Count: 3, Type: 210}, Body: []byte{1, 2, 3, 4, 5, 6, 7, 8}},
		&RawPacket{Header: Header{Count: 9, Type: TypeRTPFB}, Body: []byte{0, 0, 0, 1, 0, 0, 0, 2}},
	}
}
