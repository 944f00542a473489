"""The project's prompt-tuning step in plain PyTorch, for `npm run bench -- --vs-torch`.

The same step as src/cli/bench.ts on random weights: a post-LayerNorm BART encoder-decoder
(learned positions, layernorm_embedding, exact GELU, tied LM head), a soft prompt prepended to the
encoder input, summed label-smoothed NLL, backward to the prompt alone (every weight frozen),
gradient clipping at 0.1 and AdamW on the prompt. Plain torch.nn, no transformers, so it measures
PyTorch's kernels rather than a library's extras. Prints one JSON line.

    python3 bench/torch_pt_step.py --workload base --threads 1 --steps 3

Use an OpenMP BLAS (Debian: libopenblas0-openmp) so that --threads is honest: OpenBLAS-pthread
ignores torch.set_num_threads, and netlib's reference BLAS is 20x slower.
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn.functional as F

WORKLOADS = {
    'embedded': dict(vocab=1024, d=128, enc=2, dec=2, heads=4, ffn=512, positions=130, batch=8, prompt=8, input=24, target=6),
    'base': dict(vocab=50265, d=768, enc=6, dec=6, heads=12, ffn=3072, positions=1026, batch=4, prompt=100, input=64, target=16),
}


def linear(d_in, d_out):
    layer = torch.nn.Linear(d_in, d_out)
    layer.requires_grad_(False)
    return layer


class Attention(torch.nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h = heads
        self.q, self.k, self.v, self.o = (linear(d, d) for _ in range(4))

    def forward(self, x, kv, bias):
        B, T, d = x.shape
        S = kv.shape[1]
        hd = d // self.h
        q = (self.q(x) * hd ** -0.5).view(B, T, self.h, hd).transpose(1, 2)
        k = self.k(kv).view(B, S, self.h, hd).transpose(1, 2)
        v = self.v(kv).view(B, S, self.h, hd).transpose(1, 2)
        scores = q @ k.transpose(-1, -2)
        if bias is not None:
            scores = scores + bias
        ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(B, T, d)
        return self.o(ctx)


class Layer(torch.nn.Module):
    def __init__(self, d, heads, ffn, cross):
        super().__init__()
        self.self_attn = Attention(d, heads)
        self.ln1 = torch.nn.LayerNorm(d).requires_grad_(False)
        self.cross = Attention(d, heads) if cross else None
        self.ln2 = torch.nn.LayerNorm(d).requires_grad_(False) if cross else None
        self.fc1, self.fc2 = linear(d, ffn), linear(ffn, d)
        self.ln3 = torch.nn.LayerNorm(d).requires_grad_(False)

    def forward(self, x, bias, enc=None, enc_bias=None):
        x = self.ln1(x + self.self_attn(x, x, bias))
        if self.cross is not None:
            x = self.ln2(x + self.cross(x, enc, enc_bias))
        return self.ln3(x + self.fc2(F.gelu(self.fc1(x))))


class Bart(torch.nn.Module):
    def __init__(self, w):
        super().__init__()
        d = w['d']
        self.shared = torch.nn.Embedding(w['vocab'], d).requires_grad_(False)
        self.enc_pos = torch.nn.Embedding(w['positions'], d).requires_grad_(False)
        self.dec_pos = torch.nn.Embedding(w['positions'], d).requires_grad_(False)
        self.enc_ln = torch.nn.LayerNorm(d).requires_grad_(False)
        self.dec_ln = torch.nn.LayerNorm(d).requires_grad_(False)
        self.enc = torch.nn.ModuleList(Layer(d, w['heads'], w['ffn'], False) for _ in range(w['enc']))
        self.dec = torch.nn.ModuleList(Layer(d, w['heads'], w['ffn'], True) for _ in range(w['dec']))

    def forward(self, prompt, ids, dec_ids):
        B, T = ids.shape
        P = prompt.shape[0]
        x = torch.cat([prompt.expand(B, P, -1), self.shared(ids)], 1)
        x = self.enc_ln(x + self.enc_pos(torch.arange(2, 2 + P + T)))
        for layer in self.enc:
            x = layer(x, None)
        Tt = dec_ids.shape[1]
        y = self.dec_ln(self.shared(dec_ids) + self.dec_pos(torch.arange(2, 2 + Tt)))
        causal = torch.full((Tt, Tt), -1e9).triu(1)
        for layer in self.dec:
            y = layer(y, causal, x, None)
        return y @ self.shared.weight.t()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--workload', default='base', choices=sorted(WORKLOADS))
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--steps', type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    w = WORKLOADS[a.workload]
    model = Bart(w).eval()  # the project's bench step trains without dropout
    prompt = torch.nn.Parameter(torch.randn(w['prompt'], w['d']) * 0.02)
    opt = torch.optim.AdamW([prompt], lr=1e-4, weight_decay=0)
    ids = torch.randint(3, w['vocab'], (w['batch'], w['input']))
    labels = torch.randint(3, w['vocab'], (w['batch'], w['target']))
    dec_ids = torch.cat([torch.full((w['batch'], 1), 2), labels[:, :-1]], 1)

    def step():
        t0 = time.perf_counter()
        logits = model(prompt, ids, dec_ids)
        lprobs = logits.log_softmax(-1)
        nll = -lprobs.gather(-1, labels.unsqueeze(-1)).squeeze(-1)
        smooth = -lprobs.mean(-1)
        loss = ((1 - 0.1) * nll + 0.1 * smooth).sum()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_([prompt], 0.1)
        opt.step()
        return (time.perf_counter() - t0) * 1000

    step()  # warm-up
    times = [step() for _ in range(a.steps)]
    print(json.dumps({
        'workload': a.workload, 'threads': a.threads, 'torch': torch.__version__, 'steps': a.steps,
        'stepMsMedian': round(statistics.median(times), 1), 'stepMsAll': [round(t) for t in times],
        'peakRssMb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }))


if __name__ == '__main__':
    main()
