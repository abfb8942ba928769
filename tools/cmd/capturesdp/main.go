// Command capturesdp records real SDP offers and answers from headless
// Chromium, for the fixtures of rtc-sdp (rtc-sdp/testdata/chrome_*.sdp).
//
// It starts /usr/bin/chromium with the loopback-only flags of
// BROWSERS.md, serves a blank page on 127.0.0.1 (getUserMedia needs a
// secure context, and http://127.0.0.1 is one), and in that page:
//
//   - pc1 gets a fake microphone and camera (getUserMedia with
//     --use-fake-device-for-media-stream), adds both tracks and a data
//     channel, and creates an offer (audio+video+data);
//   - pc2, a second RTCPeerConnection in the same page, applies the
//     offer, adds its own fake tracks and creates an answer;
//   - both wait for ICE gathering to complete; no ICE servers are
//     configured, so gathering only binds local sockets and sends
//     nothing;
//   - a third connection makes a simulcast offer (addTransceiver with
//     three rids), for a=rid and a=simulcast.
//
// Candidates whose address is not 127.0.0.0/8 or ::1 are removed before
// the SDPs are written (BROWSERS.md), so no host address of the capturing
// machine ends up in the repository. Usage:
//
//	go run ./cmd/capturesdp -out ../rtc-sdp/testdata
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

// Chromium is the browser binary used.
const Chromium = peers.ChromiumPath

const page = `<!doctype html><html><head><meta charset="utf-8"><title>capturesdp</title></head><body></body></html>`

// script runs in the page and returns the SDPs by name.
const script = `(async () => {
  const gathered = (pc) => new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") { resolve(); return; }
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") resolve();
    });
    setTimeout(resolve, 5000);
  });
  const out = {};
  const s1 = await navigator.mediaDevices.getUserMedia({audio: true, video: true});
  const pc1 = new RTCPeerConnection();
  for (const t of s1.getTracks()) pc1.addTrack(t, s1);
  pc1.createDataChannel("data");
  const offer = await pc1.createOffer();
  out.offer = offer.sdp;
  await pc1.setLocalDescription(offer);
  await gathered(pc1);
  out.offer_gathered = pc1.localDescription.sdp;

  const pc2 = new RTCPeerConnection();
  await pc2.setRemoteDescription(pc1.localDescription);
  const s2 = await navigator.mediaDevices.getUserMedia({audio: true, video: true});
  for (const t of s2.getTracks()) pc2.addTrack(t, s2);
  const answer = await pc2.createAnswer();
  out.answer = answer.sdp;
  await pc2.setLocalDescription(answer);
  await gathered(pc2);
  out.answer_gathered = pc2.localDescription.sdp;

  const pc3 = new RTCPeerConnection();
  pc3.addTransceiver(s1.getVideoTracks()[0], {direction: "sendonly", sendEncodings: [
    {rid: "hi"}, {rid: "mid", scaleResolutionDownBy: 2}, {rid: "lo", scaleResolutionDownBy: 4}]});
  out.simulcast_offer = (await pc3.createOffer()).sdp;

  for (const pc of [pc1, pc2, pc3]) pc.close();
  for (const t of [...s1.getTracks(), ...s2.getTracks()]) t.stop();
  return out;
})()`

// Capture runs the page script in a fresh headless Chromium and returns
// the SDPs (offer, offer_gathered, answer, answer_gathered,
// simulcast_offer) with non-loopback candidates removed, and the browser
// version.
func Capture(ctx context.Context) (map[string]string, string, error) {
	url, stop, err := peers.ServePage([]byte(page))
	if err != nil {
		return nil, "", err
	}
	defer stop()
	c, err := peers.StartChromium(ctx, chromedp.NoDefaultBrowserCheck)
	if err != nil {
		return nil, "", fmt.Errorf("capturesdp: %w", err)
	}
	defer c.Close()
	bctx := c.Context()
	if err := chromedp.Do(bctx, chromedp.Navigate(url)); err != nil {
		return nil, "", fmt.Errorf("capturesdp: %w", err)
	}
	version, err := chromedp.Run(bctx, chromedp.Evaluate[string](`navigator.userAgent`))
	if err != nil {
		return nil, "", fmt.Errorf("capturesdp: %w", err)
	}
	raw, err := peers.Eval[map[string]string](bctx, script)
	if err != nil {
		return nil, "", fmt.Errorf("capturesdp: %w", err)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		out[k] = LoopbackOnly(v)
	}
	return out, version, nil
}

// LoopbackOnly removes every a=candidate line whose address is not a
// loopback IP address, and turns LF line ends into CRLF.
func LoopbackOnly(sdp string) string { return peers.LoopbackOnly(sdp) }

func main() {
	out := flag.String("out", "", "directory to write chrome_<name>.sdp files into (default: print)")
	timeout := flag.Duration("timeout", time.Minute, "overall time limit")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	sdps, version, err := Capture(ctx)
	if err != nil {
		log.Fatal(err)
	}
	names := make([]string, 0, len(sdps))
	for k := range sdps {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if *out == "" {
			fmt.Printf("--- %s\n%s", k, sdps[k])
			continue
		}
		p := filepath.Join(*out, "chrome_"+k+".sdp")
		if err := os.WriteFile(p, []byte(sdps[k]), 0o644); err != nil {
			log.Fatal(err)
		}
		log.Printf("wrote %s (%d bytes)", p, len(sdps[k]))
	}
	log.Printf("browser: %s", version)
}
