#!/usr/bin/python3
"""CT benchmark: DiffRecon's Joseph projector and FBP next to scikit-image, in one run.

1. Throughput on a 256x256 image, 60 views (projector: 367 detectors; skimage.radon with
   circle=False pads to the diagonal, 363 detectors): median times, measured in alternating rounds
   (ours, skimage, ours, ...) so the shared machine's load affects both alike; ratios.
2. FBP of the analytic 720-view modified Shepp-Logan sinogram (367 detectors, 256^2, 1 mm): our
   Ram-Lak FBP vs skimage.transform.iradon (ramp, linear interpolation) on the same sinogram, each
   scored against the phantom rasterised on its own pixel grid (skimage centres pixels at
   index - N/2, ours at index - (N-1)/2), PSNR with data range 1 (the phantom's). Ours is also run on
   skimage's grid (ImageGrid centre (-0.5, 0.5) mm), where both reconstruct exactly the same pixels:
   that row is the like-for-like comparison.
Usage: bench/ct_vs_skimage.py BUILD_DIR [--rounds N]
"""
import json
import subprocess
import sys
import tempfile
import time

import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from skimage.transform import iradon, radon


def median_ms(run, repeats):
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times))


def ours_throughput(benchmark, threads, repeats):
    out = subprocess.run([benchmark, "--throughput", "--threads", str(threads), "--repeats", str(repeats)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    build = sys.argv[1]
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 5
    benchmark = f"{build}/bench/diffrecon_ct_benchmark"
    with tempfile.TemporaryDirectory() as folder:
        fbp_ms = json.loads(subprocess.run([benchmark, "--fbp-golden", folder], check=True, capture_output=True,
                                           text=True).stdout)["fbp_ms"]
        load = lambda name, shape: np.fromfile(f"{folder}/{name}", dtype=np.float64).reshape(shape)
        sinogram = load("sinogram_720x367.f64", (720, 367))
        truth_ours = load("truth_ours_256.f64", (256, 256))
        truth_skimage = load("truth_skimage_256.f64", (256, 256))
        fbp_ours = load("fbp_ours_256.f64", (256, 256))
        fbp_ours_sk_grid = load("fbp_ours_on_skimage_grid_256.f64", (256, 256))

    # 1. Throughput.
    image = truth_ours.astype(np.float64)
    theta60 = np.linspace(0.0, 180.0, 60, endpoint=False)
    sino60 = radon(image, theta60, circle=False)
    rows = {}
    for threads in (1, 2):
        ours_f, ours_a, sk_f, sk_b = [], [], [], []
        for _ in range(rounds):
            result = ours_throughput(benchmark, threads, 20)
            ours_f.append(result["forward_ms"])
            ours_a.append(result["adjoint_ms"])
            sk_f.append(median_ms(lambda: radon(image, theta60, circle=False), 3))
            sk_b.append(median_ms(lambda: iradon(sino60, theta60, filter_name=None, circle=False, output_size=256), 3))
        rows[threads] = [float(np.median(v)) for v in (ours_f, ours_a, sk_f, sk_b)]
    print("## Projector throughput, 256x256, 60 views (median ms; alternating rounds)\n")
    print("| threads (ours) | ours forward | ours back-projection | skimage radon | skimage iradon (no filter) "
          "| radon / ours forward | radon / ours back-projection | iradon / ours back-projection |")
    print("|---|---|---|---|---|---|---|---|")
    for threads, (f, a, r, b) in rows.items():
        print(f"| {threads} | {f:.2f} | {a:.2f} | {r:.2f} | {b:.2f} | {r / f:.1f}x | {r / a:.1f}x | {b / a:.1f}x |")

    # 2. FBP quality on the analytic sinogram.
    theta720 = np.linspace(0.0, 180.0, 720, endpoint=False)
    start = time.perf_counter()
    sk = iradon(sinogram.T, theta720, filter_name="ramp", interpolation="linear", circle=False, output_size=256)
    sk_ms = (time.perf_counter() - start) * 1e3
    sk_circle = iradon(sinogram.T, theta720, filter_name="ramp", interpolation="linear", circle=True, output_size=256)
    score = lambda image, truth: (peak_signal_noise_ratio(truth, image, data_range=1.0),
                                  structural_similarity(truth, image, data_range=1.0))
    print("\n## FBP of the analytic 720-view modified Shepp-Logan sinogram (367 detectors, 256^2 pixels of 1 mm)\n")
    print("| reconstruction | PSNR (dB) | SSIM | time (ms) |\n|---|---|---|---|")
    for name, image, truth, ms in (("DiffRecon FBP, Ram-Lak, our grid (pixel centres between detector samples)",
                                    fbp_ours, truth_ours, fbp_ms),
                                   ("DiffRecon FBP, Ram-Lak, skimage's grid (same pixels as iradon)", fbp_ours_sk_grid,
                                    truth_skimage, fbp_ms),
                                   ("skimage iradon, ramp, circle=False", sk, truth_skimage, sk_ms),
                                   ("skimage iradon, ramp, circle=True", sk_circle, truth_skimage, float("nan"))):
        p, s = score(image, truth)
        print(f"| {name} | {p:.3f} | {s:.4f} | {ms:.0f} |")
    # Sanity: skimage's reconstruction against our grid's truth (should be worse: half-pixel shift).
    print(f"\n(skimage iradon scored on our pixel grid instead: {score(sk, truth_ours)[0]:.2f} dB)")


if __name__ == "__main__":
    main()
