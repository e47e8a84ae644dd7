"""Replay shares unchanged tables between the frozen states of consecutive operations (a full copy per statement
made it quadratic). Sharing must never change what a rule sees: every operation's state before it must equal the
state a full-copy replay gives, on every corpus case."""

from __future__ import annotations

import copy
import os

import pytest

import drizzle_lsp.analysis.replay as replay_module
from drizzle_lsp.analysis.project import load_workspace
from drizzle_lsp.model.compare import canonical
from tests.replay.test_corpus_replay import CORPUS

CASES = sorted(os.path.join(CORPUS, name) for name in os.listdir(CORPUS) if name[:2].isdigit())


@pytest.mark.parametrize("case", CASES, ids=[os.path.basename(c) for c in CASES])
def test_shared_states_equal_full_copies(case, monkeypatch):
    shared = load_workspace([case]).projects[0]
    monkeypatch.setattr(replay_module, "_next_state", lambda previous, state, op, dialect: copy.deepcopy(state))
    full = load_workspace([case]).projects[0]
    shared_states = [canonical(ctx.state_before) for ctx in shared.replay.contexts]
    full_states = [canonical(ctx.state_before) for ctx in full.replay.contexts]
    assert len(shared_states) == len(full_states) > 0
    for index, (a, b) in enumerate(zip(shared_states, full_states)):
        assert a == b, f"state before operation {index} differs"
