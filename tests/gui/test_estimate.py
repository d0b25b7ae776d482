"""The training cost estimate (Qt-free)."""

from actinr_studio.model import ActINR, ModelConfig
from actinr_studio.train.estimate import estimate_training, parameter_count


def test_parameter_count_is_exact_without_building_the_model():
    for config in (ModelConfig(patch_size=16, hidden=8), ModelConfig(patch_size=16, overlap=True,
                                                                        hidden=4, gop=3)):
        for frames, height, width in ((8, 64, 96), (23, 50, 37)):
            built = ActINR(config, height, width, frames).parameter_count()
            assert parameter_count(frames, height, width, config) == built


def test_estimate_grows_with_the_clip():
    config = ModelConfig(patch_size=16, hidden=8)
    small = estimate_training(8, 64, 96, config, device="cpu")
    big = estimate_training(80, 256, 384, config, device="cpu")
    assert 0 < small.memory_bytes < big.memory_bytes
    assert 0 < small.seconds_per_1000_steps <= big.seconds_per_1000_steps
    assert big.parameters > small.parameters
    assert "per 1000 steps" in big.describe()
