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
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium is the browser binary used.
const Chromium = "/usr/bin/chromium"

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

func flags(dir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Chromium),
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.Flag("disable-features", "WebRtcHideLocalIpsWithMdns,MediaRouter,DialMediaRouteProvider,OptimizationHints,NetworkTimeServiceQuerying,Translate"),
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(dir),
	}
}

// Available reports whether the Chromium binary is installed.
func Available() bool {
	_, err := exec.LookPath(Chromium)
	return err == nil
}

// Capture runs the page script in a fresh headless Chromium and returns
// the SDPs (offer, offer_gathered, answer, answer_gathered,
// simulcast_offer) with non-loopback candidates removed, and the browser
// version.
func Capture(ctx context.Context) (map[string]string, string, error) {
	dir, err := os.MkdirTemp("", "capturesdp-")
	if err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	})}
	go srv.Serve(ln)
	defer srv.Close()

	actx, acancel := chromedp.NewExecAllocator(ctx, flags(dir)...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	if err := chromedp.Do(bctx, chromedp.Navigate("http://"+ln.Addr().String()+"/")); err != nil {
		return nil, "", fmt.Errorf("capturesdp: starting chromium: %w", err)
	}
	version, err := chromedp.Run(bctx, chromedp.Evaluate[string](`navigator.userAgent`))
	if err != nil {
		return nil, "", fmt.Errorf("capturesdp: %w", err)
	}
	raw, err := chromedp.Run(bctx, chromedp.Evaluate[map[string]string](script, chromedp.EvalAwaitPromise))
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
func LoopbackOnly(sdp string) string {
	lines := strings.Split(strings.ReplaceAll(sdp, "\r\n", "\n"), "\n")
	var b strings.Builder
	for _, l := range lines {
		if l == "" {
			continue
		}
		if strings.HasPrefix(l, "a=candidate:") {
			f := strings.Fields(l)
			if len(f) < 6 {
				continue
			}
			a, err := netip.ParseAddr(f[4])
			if err != nil || !a.IsLoopback() {
				continue
			}
		}
		b.WriteString(l)
		b.WriteString("\r\n")
	}
	return b.String()
}

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
