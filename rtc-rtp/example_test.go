package rtp_test

import (
	"bytes"
	"fmt"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

// Build a packet with a transport-wide sequence number, marshal it into a
// reused buffer, then parse it and read the extension back.
func ExamplePacket_Unmarshal() {
	const twccID = 3 // from a=extmap:3 <rtp.URITransportCC>
	var out rtp.Packet
	out.PayloadType = 111
	out.SequenceNumber = 1000
	out.Timestamp = 48000
	out.SSRC = 0x1234abcd
	out.Marker = true
	ext := rtp.TransportCC{SequenceNumber: 42}
	var extBuf [2]byte
	if err := out.SetExtension(twccID, ext.AppendTo(extBuf[:0])); err != nil {
		panic(err)
	}
	out.Payload = []byte{0xfc, 0xff, 0xfe}
	buf := make([]byte, 1500)
	n, err := out.MarshalTo(buf)
	if err != nil {
		panic(err)
	}

	// Receive side: the Packet aliases buf[:n].
	var p rtp.Packet
	if err := p.Unmarshal(buf[:n]); err != nil {
		panic(err)
	}
	var tcc rtp.TransportCC
	if err := tcc.Unmarshal(p.GetExtension(twccID)); err != nil {
		panic(err)
	}
	fmt.Printf("%d bytes, PT %d, seq %d, ts %d, SSRC %#x, marker %v\n",
		n, p.PayloadType, p.SequenceNumber, p.Timestamp, p.SSRC, p.Marker)
	fmt.Printf("transport-cc seq %d, payload %x\n", tcc.SequenceNumber, p.Payload)
	// Output:
	// 23 bytes, PT 111, seq 1000, ts 48000, SSRC 0x1234abcd, marker true
	// transport-cc seq 42, payload fcfffe
}

// Packetize a VP8 key frame for a 1200-byte MTU and put it back together.
func ExampleVP8Payloader() {
	frame := bytes.Repeat([]byte{0x10}, 3000) // P bit clear: a key frame
	pl := rtp.VP8Payloader{EnablePictureID: true, PictureID: 7}
	var payloads rtp.Payloads // reuse across frames: no allocation once grown
	if err := pl.Payload(&payloads, 1200, frame); err != nil {
		panic(err)
	}

	asm := rtp.NewFrameAssembler(&rtp.VP8Depayloader{}, rtp.Config{})
	wire := make([]byte, 1500)
	for i := range payloads.Len() {
		pkt := rtp.Packet{Payload: payloads.At(i)}
		pkt.PayloadType = 96
		pkt.SequenceNumber = uint16(100 + i)
		pkt.Timestamp = 90000
		pkt.Marker = i == payloads.Len()-1 // RFC 7741 §4.1: last packet of the frame
		n, err := pkt.MarshalTo(wire)
		if err != nil {
			panic(err)
		}

		var d rtp.VP8Descriptor
		dn, err := d.Unmarshal(pkt.Payload)
		if err != nil {
			panic(err)
		}
		fmt.Printf("packet %d: %d bytes, S=%v PictureID=%d, descriptor %d bytes\n",
			i, n, d.Start, d.PictureID, dn)

		var rx rtp.Packet
		if err := rx.Unmarshal(wire[:n]); err != nil {
			panic(err)
		}
		if f, ok, err := asm.Push(&rx); err != nil {
			panic(err)
		} else if ok {
			fmt.Printf("frame: %d bytes, keyframe %v, same %v\n", len(f.Data), f.Keyframe, bytes.Equal(f.Data, frame))
		}
	}
	// Output:
	// packet 0: 1212 bytes, S=true PictureID=7, descriptor 4 bytes
	// packet 1: 1212 bytes, S=false PictureID=7, descriptor 4 bytes
	// packet 2: 624 bytes, S=false PictureID=7, descriptor 4 bytes
	// frame: 3000 bytes, keyframe true, same true
}

// Forward a packet without decoding it: read the fixed header and one
// extension, and rewrite the SSRC and sequence number in place.
func ExampleParseHeaderView() {
	var p rtp.Packet
	p.SSRC, p.SequenceNumber = 1, 10
	if err := p.SetExtension(5, []byte("0")); err != nil { // sdes:mid
		panic(err)
	}
	p.Payload = []byte{1, 2, 3}
	raw, err := p.Marshal()
	if err != nil {
		panic(err)
	}

	v, err := rtp.ParseHeaderView(raw)
	if err != nil {
		panic(err)
	}
	fmt.Printf("ssrc %d seq %d mid %q payload %x\n", v.SSRC, v.SequenceNumber, v.Extension(5), raw[v.HeaderSize:v.PayloadEnd])
	rtp.SetSSRC(raw, 2)
	rtp.SetSequenceNumber(raw, 500)
	v, err = rtp.ParseHeaderView(raw)
	if err != nil {
		panic(err)
	}
	fmt.Printf("ssrc %d seq %d\n", v.SSRC, v.SequenceNumber)
	// Output:
	// ssrc 1 seq 10 mid "0" payload 010203
	// ssrc 2 seq 500
}
