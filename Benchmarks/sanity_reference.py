#!/usr/bin/env python3
"""The reference a user would otherwise pick: arxiv-sanity-lite's pipeline with scikit-learn, timed.

usage: python3 Benchmarks/sanity_reference.py CORPUS.jsonl [--users 3]   (needs: pip install scikit-learn)
Prints the TF-IDF step's time and the time of one per-user LinearSVC recommendation over all papers.
"""
import argparse, json, random, time
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

ap = argparse.ArgumentParser()
ap.add_argument("corpus")
ap.add_argument("--users", type=int, default=3)
ap.add_argument("--events", type=int, default=200)
a = ap.parse_args()
papers = [json.loads(line) for line in open(a.corpus)]
texts = [f"{p['title']}. {p.get('abstract', '')} {' '.join(p.get('authors', []))}" for p in papers]
start = time.time()
v = TfidfVectorizer(input="content", encoding="utf-8", decode_error="replace", strip_accents="unicode", lowercase=True,
                    analyzer="word", stop_words="english", token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b", ngram_range=(1, 2),
                    max_features=20000, norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=True, max_df=0.1, min_df=5)
X = v.fit_transform(texts)
tfidf = time.time() - start
rng = random.Random(7)
times = []
for _ in range(a.users):
    y = np.zeros(len(papers)); y[rng.sample(range(len(papers)), a.events // 2)] = 1
    start = time.time()
    clf = LinearSVC(class_weight="balanced", max_iter=10000, tol=1e-6, C=0.01).fit(X, y)
    s = clf.decision_function(X); np.argsort(-s)[:50]
    times.append(time.time() - start)
print(f"papers {len(papers)}: tfidf {tfidf:.2f} s, recommendation (svm fit + score) median {sorted(times)[len(times)//2]:.2f} s")
