package srtpinterop

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	pionsrtp "github.com/pion/srtp/v3"
	srtp "github.com/sansrtc/rtc/rtc-srtp"
)

// exporter hands Pion the same DTLS-SRTP keying material we split ourselves.
type exporter []byte

func (e exporter) ExportKeyingMaterial(label string, context []byte, length int) ([]byte, error) {
	if label != srtp.ExporterLabel || len(context) != 0 || length != len(e) {
		return nil, fmt.Errorf("unexpected export %q %d", label, length)
	}
	return append([]byte(nil), e...), nil
}

var profiles = []struct {
	ours srtp.Profile
	pion pionsrtp.ProtectionProfile
}{
	{srtp.AES128CMHMACSHA1_80, pionsrtp.ProtectionProfileAes128CmHmacSha1_80},
	{srtp.AES128CMHMACSHA1_32, pionsrtp.ProtectionProfileAes128CmHmacSha1_32},
	{srtp.AEADAES128GCM, pionsrtp.ProtectionProfileAeadAes128Gcm},
	{srtp.AEADAES256GCM, pionsrtp.ProtectionProfileAeadAes256Gcm},
	// Not WebRTC profiles, but both implement them.
	{srtp.AES256CMHMACSHA1_80, pionsrtp.ProtectionProfileAes256CmHmacSha1_80},
	{srtp.AES256CMHMACSHA1_32, pionsrtp.ProtectionProfileAes256CmHmacSha1_32},
	{srtp.NullHMACSHA1_80, pionsrtp.ProtectionProfileNullHmacSha1_80},
	{srtp.NullHMACSHA1_32, pionsrtp.ProtectionProfileNullHmacSha1_32},
}

func rtpPacket(seq uint16, ssrc uint32, n int) []byte {
	b := []byte{0x90, 0x6f, 0, 0, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0}
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	for i := 0; i < n; i++ {
		b = append(b, byte(i*3+int(seq)))
	}
	return b
}

func rtcpPacket(ssrc uint32, i int) []byte {
	// A sender report with no report blocks, then SDES CNAME.
	b := []byte{0x80, 200, 0, 6, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[4:], ssrc)
	b = append(b, make([]byte, 20)...)
	b[12] = byte(i)
	return append(b, 0x81, 202, 0, 3, 0, 0, 0, 1, 1, 3, 'c', 'a', 't', 0, 0, 0)
}

// contexts keys one direction: the DTLS client sends, the server receives.
func contexts(t *testing.T, ours srtp.Profile, pion pionsrtp.ProtectionProfile) (oursTx, oursRx *srtp.Context, pionTx, pionRx *pionsrtp.Context) {
	t.Helper()
	material := make([]byte, ours.KeyingMaterialLen())
	for i := range material {
		material[i] = byte(i*13 + 5)
	}
	local, _, err := srtp.ConfigsFromDTLS(srtp.Config{Profile: ours}, material, srtp.RoleClient)
	if err != nil {
		t.Fatal(err)
	}
	_, remote, err := srtp.ConfigsFromDTLS(srtp.Config{Profile: ours}, material, srtp.RoleServer)
	if err != nil {
		t.Fatal(err)
	}
	if oursTx, err = srtp.NewContext(local); err != nil {
		t.Fatal(err)
	}
	if oursRx, err = srtp.NewContext(remote); err != nil {
		t.Fatal(err)
	}
	// Pion derives its keys from the same material through its own
	// RFC 5764 split: a client-side config for sending, a server-side one
	// for receiving.
	var cc, sc pionsrtp.Config
	cc.Profile, sc.Profile = pion, pion
	if err := cc.ExtractSessionKeysFromDTLS(exporter(material), true); err != nil {
		t.Fatal(err)
	}
	if err := sc.ExtractSessionKeysFromDTLS(exporter(material), false); err != nil {
		t.Fatal(err)
	}
	if pionTx, err = pionsrtp.CreateContext(cc.Keys.LocalMasterKey, cc.Keys.LocalMasterSalt, pion); err != nil {
		t.Fatal(err)
	}
	if pionRx, err = pionsrtp.CreateContext(sc.Keys.RemoteMasterKey, sc.Keys.RemoteMasterSalt, pion); err != nil {
		t.Fatal(err)
	}
	return
}

// seqs crosses a rollover, with a gap and a reordered pair.
var seqs = []uint16{65500, 65501, 65520, 65535, 1, 0, 2, 300, 30000, 40000, 65535 - 10, 5}

func TestPionProtectsWeUnprotect(t *testing.T) {
	for _, p := range profiles {
		t.Run(p.ours.String(), func(t *testing.T) {
			_, oursRx, pionTx, _ := contexts(t, p.ours, p.pion)
			for i, seq := range seqs[:10] {
				pkt := rtpPacket(seq, 0xdecafbad, 100+i)
				enc, err := pionTx.EncryptRTP(nil, pkt, nil)
				if err != nil {
					t.Fatal(err)
				}
				got, err := oursRx.AppendUnprotectRTP(nil, enc)
				if err != nil {
					t.Fatalf("seq %d: %v", seq, err)
				}
				if !bytes.Equal(got, pkt) {
					t.Fatalf("seq %d: payload differs", seq)
				}
				rtcp := rtcpPacket(0xdecafbad, i)
				encRTCP, err := pionTx.EncryptRTCP(nil, rtcp, nil)
				if err != nil {
					t.Fatal(err)
				}
				got, err = oursRx.AppendUnprotectRTCP(nil, encRTCP)
				if err != nil {
					t.Fatalf("rtcp %d: %v", i, err)
				}
				if !bytes.Equal(got, rtcp) {
					t.Fatalf("rtcp %d differs", i)
				}
			}
			st, _ := oursRx.ReceiverState(0xdecafbad)
			if st.ROC != 1 {
				t.Errorf("ROC %d after the wrap, want 1", st.ROC)
			}
		})
	}
}

func TestWeProtectPionUnprotects(t *testing.T) {
	for _, p := range profiles {
		t.Run(p.ours.String(), func(t *testing.T) {
			oursTx, _, _, pionRx := contexts(t, p.ours, p.pion)
			for i, seq := range seqs[:10] {
				pkt := rtpPacket(seq, 0x01020304, 90+i)
				enc, err := oursTx.AppendProtectRTP(nil, pkt)
				if err != nil {
					t.Fatal(err)
				}
				got, err := pionRx.DecryptRTP(nil, enc, nil)
				if err != nil {
					t.Fatalf("seq %d: %v", seq, err)
				}
				if !bytes.Equal(got, pkt) {
					t.Fatalf("seq %d: payload differs", seq)
				}
				rtcp := rtcpPacket(0x01020304, i)
				encRTCP, err := oursTx.AppendProtectRTCP(nil, rtcp)
				if err != nil {
					t.Fatal(err)
				}
				got, err = pionRx.DecryptRTCP(nil, encRTCP, nil)
				if err != nil {
					t.Fatalf("rtcp %d: %v", i, err)
				}
				if !bytes.Equal(got, rtcp) {
					t.Fatalf("rtcp %d differs", i)
				}
			}
		})
	}
}

// TestMKIInterop runs both directions with a 4-octet MKI.
func TestMKIInterop(t *testing.T) {
	mki := []byte{0xde, 0xad, 0xbe, 0xef}
	for _, p := range profiles[:4] {
		t.Run(p.ours.String(), func(t *testing.T) {
			key := make([]byte, p.ours.KeyLen())
			salt := make([]byte, p.ours.SaltLen())
			key[0], salt[0] = 1, 2
			ours, err := srtp.NewContext(srtp.Config{Profile: p.ours, MasterKey: key, MasterSalt: salt, MKI: mki})
			if err != nil {
				t.Fatal(err)
			}
			oursRx, err := srtp.NewContext(srtp.Config{Profile: p.ours, MasterKey: key, MasterSalt: salt, MKI: mki})
			if err != nil {
				t.Fatal(err)
			}
			pionTx, err := pionsrtp.CreateContext(key, salt, p.pion, pionsrtp.MasterKeyIndicator(mki))
			if err != nil {
				t.Fatal(err)
			}
			pionRx, err := pionsrtp.CreateContext(key, salt, p.pion, pionsrtp.MasterKeyIndicator(mki))
			if err != nil {
				t.Fatal(err)
			}
			pkt := rtpPacket(7, 9, 50)
			enc, err := ours.AppendProtectRTP(nil, pkt)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := pionRx.DecryptRTP(nil, enc, nil); err != nil || !bytes.Equal(got, pkt) {
				t.Fatalf("ours -> pion: %v", err)
			}
			enc, err = pionTx.EncryptRTP(nil, rtpPacket(8, 9, 50), nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := oursRx.AppendUnprotectRTP(nil, enc); err != nil {
				t.Fatalf("pion -> ours: %v", err)
			}
			rtcp := rtcpPacket(9, 1)
			encR, err := ours.AppendProtectRTCP(nil, rtcp)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := pionRx.DecryptRTCP(nil, encR, nil); err != nil || !bytes.Equal(got, rtcp) {
				t.Fatalf("rtcp ours -> pion: %v", err)
			}
			encR, err = pionTx.EncryptRTCP(nil, rtcp, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := oursRx.AppendUnprotectRTCP(nil, encR); err != nil {
				t.Fatalf("rtcp pion -> ours: %v", err)
			}
		})
	}
}

// TestUnencryptedInterop: authentication-only SRTP and SRTCP with the E bit
// clear, both directions.
func TestUnencryptedInterop(t *testing.T) {
	for _, p := range profiles[:4] {
		t.Run(p.ours.String(), func(t *testing.T) {
			key := make([]byte, p.ours.KeyLen())
			salt := make([]byte, p.ours.SaltLen())
			key[1], salt[1] = 3, 4
			cfg := srtp.Config{Profile: p.ours, MasterKey: key, MasterSalt: salt, UnencryptedSRTP: true, UnencryptedSRTCP: true}
			ours, err := srtp.NewContext(cfg)
			if err != nil {
				t.Fatal(err)
			}
			oursRx, err := srtp.NewContext(cfg)
			if err != nil {
				t.Fatal(err)
			}
			opts := []pionsrtp.ContextOption{pionsrtp.SRTPNoEncryption(), pionsrtp.SRTCPNoEncryption()}
			pionTx, err := pionsrtp.CreateContext(key, salt, p.pion, opts...)
			if err != nil {
				t.Fatal(err)
			}
			pionRx, err := pionsrtp.CreateContext(key, salt, p.pion, opts...)
			if err != nil {
				t.Fatal(err)
			}
			pkt := rtpPacket(7, 9, 50)
			enc, err := ours.AppendProtectRTP(nil, pkt)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc[:len(pkt)], pkt) {
				t.Fatal("payload encrypted")
			}
			if got, err := pionRx.DecryptRTP(nil, enc, nil); err != nil || !bytes.Equal(got, pkt) {
				t.Fatalf("ours -> pion: %v", err)
			}
			enc, err = pionTx.EncryptRTP(nil, rtpPacket(8, 9, 50), nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := oursRx.AppendUnprotectRTP(nil, enc); err != nil {
				t.Fatalf("pion -> ours: %v", err)
			}
			rtcp := rtcpPacket(9, 1)
			encR, err := ours.AppendProtectRTCP(nil, rtcp)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := pionRx.DecryptRTCP(nil, encR, nil); err != nil || !bytes.Equal(got, rtcp) {
				t.Fatalf("rtcp ours -> pion: %v", err)
			}
			encR, err = pionTx.EncryptRTCP(nil, rtcp, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := oursRx.AppendUnprotectRTCP(nil, encR); err != nil {
				t.Fatalf("rtcp pion -> ours: %v", err)
			}
		})
	}
}
