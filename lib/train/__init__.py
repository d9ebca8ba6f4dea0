"""Small I-JEPA, MAE and BEiT encoders trained here on synthetic scenes (the trained world's checkpoints).

`config.py`: one shape and budget for all three (`TrainConfig`); `scenes.py`: the shared training set;
`masking.py`: each family's masks; `ijepa.py`, `mae.py`, `beit.py`: the objectives; `loop.py`: the
seeded, single-threaded training loop that saves each encoder in its family's Hugging Face layout
with its loss curve.
"""
