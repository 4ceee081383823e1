"""`fallwatch synth`: the command renders a scene set with an index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge.commands.synth import is_distractor_only
from edge.config.camera import load_camera_config
from fallwatch.cli import main


def test_synth_writes_scenes_and_an_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "set"
    rc = main(
        [
            "synth",
            str(out),
            "--scenes",
            "2",
            "--seed",
            "3",
            "--first-index",
            "5",
            "--resolution",
            "640x360",
            "--duration",
            "4",
            "--distractor-only-share",
            "0.5",
        ]
    )
    assert rc == 0
    captured = capsys.readouterr()
    assert captured.out.strip().splitlines() == [captured.out.strip()]  # one summary line
    assert "wrote 2 scenes" in captured.out
    index = json.loads((out / "index.json").read_text())
    assert index["seed"] == 3
    assert [s["scene_id"] for s in index["scenes"]] == ["scene_0005", "scene_0006"]
    for entry in index["scenes"]:
        truth = json.loads((out / entry["truth"]).read_text())
        assert truth["index"] == int(entry["scene_id"][-4:]) and truth["seed"] == 3
        assert (truth["width"], truth["height"], truth["n_frames"]) == (640, 360, 100)
        assert truth["distractor_only"] == entry["distractor_only"]
        assert (len(truth["throws"]) == 0) == entry["distractor_only"]
        cfg = load_camera_config(out / entry["config"])
        assert Path(str(cfg.source)).stat().st_size > 1000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--resolution", "641x360"], "641x360"),
        (["--resolution", "big"], "WIDTHxHEIGHT"),
        (["--distractor-only-share", "1.5"], "between 0 and 1"),
    ],
)
def test_synth_rejects_bad_arguments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["synth", str(tmp_path), *args])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_synth_rejects_a_too_short_duration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", str(tmp_path / "x"), "--duration", "1", "--resolution", "640x360"]) == 2
    assert "duration" in capsys.readouterr().err


def test_distractor_only_share_holds_for_any_run_of_scenes() -> None:
    for share in (0.0, 0.33, 0.5, 1.0):
        flags = [is_distractor_only(9, i, share) for i in range(300)]
        assert abs(sum(flags) / 300 - share) < 0.02
        assert abs(sum(flags[100:130]) / 30 - share) < 0.1
