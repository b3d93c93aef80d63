#!/usr/bin/env python3
"""Generate a synthetic infrastructure tree of about N compose files from the corpus: the corpus
replicated K times (copy-0000/ ...), each copy renamed so copies do not collide (container names,
the shared network, static addresses, host ports), with include, extends and anchors kept."""
import os, re, shutil, sys

def main():
    corpus, out, target = sys.argv[1], sys.argv[2], int(sys.argv[3])
    files = []
    for root, _, names in os.walk(corpus):
        for n in names:
            files.append(os.path.relpath(os.path.join(root, n), corpus))
    compose = [f for f in files if re.search(r'(^|/)(docker-)?compose[^/]*\.ya?ml$', f)]
    copies = max(1, round(target / len(compose)))
    if os.path.exists(out):
        shutil.rmtree(out)
    for k in range(copies):
        dst = os.path.join(out, f"copy-{k:04d}")
        for f in files:
            src = os.path.join(corpus, f)
            p = os.path.join(dst, f)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            if f.endswith(('.yml', '.yaml')) and ('compose' in f or f.endswith('common-optimizations.yml')):
                text = open(src, encoding='utf-8').read()
                text = re.sub(r'(container_name:\s*)([\w.-]+)', lambda m: f"{m.group(1)}{m.group(2)}-{k}", text)
                text = text.replace('infra_net', f'infra_net_{k}')
                # 172.19.a.b -> 10.(k/256).(k%256).b keeps addresses unique per copy.
                text = re.sub(r'172\.19\.0\.(\d+)', lambda m: f"10.{k // 256}.{k % 256}.{m.group(1)}", text)
                text = text.replace('172.19.0.0/16', f'10.{k // 256}.{k % 256}.0/24')
                # Host ports: shift defaults so copies do not collide.
                text = re.sub(r"'\$\{(\w+):-(\d+)\}:", lambda m: f"'${{{m.group(1)}:-{20000 + (int(m.group(2)) * 7 + k) % 40000}}}:", text)
                open(p, 'w', encoding='utf-8').write(text)
            else:
                shutil.copyfile(src, p)
    n = sum(1 for r, _, ns in os.walk(out) for x in ns if re.search(r'(^|/)(docker-)?compose[^/]*\.ya?ml$', x))
    print(f"{out}: {copies} copies, {n} compose files")

main()
