"""The digits shipped with bpkit, the three-way split, and the MNIST idx reader.

The idx files are written here, byte by byte with ``struct``, independently of the reader:
a few tiny images and labels, gzip-compressed and not, and broken ones (a wrong magic number,
a file cut short, extra bytes) that must be refused with a clear message.
"""

import gzip
import struct

import numpy as np
import pytest

from bpkit.datasets import digits, mnist, read_idx, train_val_test_split


def test_digits_shape_range_labels_and_dtype():
    x, t = digits()
    assert x.shape == (1797, 64) and x.dtype == np.float64
    assert t.shape == (1797,) and t.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    np.testing.assert_array_equal(np.unique(t), np.arange(10))
    assert np.bincount(t).min() >= 170  # about 180 of each digit
    # every pixel is a count of 0..16 divided by 16
    np.testing.assert_array_equal(x * 16, np.round(x * 16))
    x32, t32 = digits(dtype=np.float32)
    assert x32.dtype == np.float32 and np.allclose(x32, x) and np.array_equal(t32, t)


def test_the_first_digit_is_a_zero_with_a_hole():
    """The file's first image (as printed by scikit-learn's documentation) is a 0."""
    x, t = digits()
    image = x[0].reshape(8, 8)
    assert t[0] == 0
    assert image[3:6, 3:5].max() <= 2 / 16  # the hole in the middle
    assert image[:, 2].max() > 0.5 and image[:, 5].max() > 0.5  # the two sides


def test_digits_refuses_another_dtype():
    with pytest.raises(TypeError, match="float32 or np.float64, got int64"):
        digits(dtype=np.int64)


def test_three_way_split_partitions_and_is_seeded():
    x = np.arange(100).reshape(50, 2)
    t = np.arange(50)
    (xtr, ttr), (xv, tv), (xte, tte) = train_val_test_split(x, t, val_fraction=0.2,
                                                            test_fraction=0.3, rng=4)
    assert (len(ttr), len(tv), len(tte)) == (25, 10, 15)
    assert sorted(np.concatenate([ttr, tv, tte])) == list(range(50))
    np.testing.assert_array_equal(xtr[:, 0], 2 * ttr)  # rows stay with their labels
    again = train_val_test_split(x, t, val_fraction=0.2, test_fraction=0.3,
                                 rng=np.random.default_rng(4))
    np.testing.assert_array_equal(again[2][1], tte)
    other = train_val_test_split(x, t, val_fraction=0.2, test_fraction=0.3, rng=5)
    assert not np.array_equal(other[2][1], tte)


@pytest.mark.parametrize("kwargs, match", [
    ({"val_fraction": 0.0}, "val_fraction must lie in"),
    ({"test_fraction": 1.0}, "test_fraction must lie in"),
    ({"val_fraction": 0.5, "test_fraction": 0.5}, "must be below 1"),
    ({"val_fraction": True}, "val_fraction must lie in"),
])
def test_three_way_split_refuses_bad_fractions(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train_val_test_split(np.zeros((10, 2)), np.zeros(10), **kwargs)


def test_three_way_split_refuses_mismatched_or_tiny_data():
    with pytest.raises(ValueError, match=r"same number of examples.*\(10, 2\) and \(9,\)"):
        train_val_test_split(np.zeros((10, 2)), np.zeros(9))
    with pytest.raises(ValueError, match="at least 3 examples"):
        train_val_test_split(np.zeros((2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="leave none for training"):
        train_val_test_split(np.zeros((4, 2)), np.zeros(4), val_fraction=0.45,
                             test_fraction=0.45)


# ------------------------------------------------------------------- idx files

IMAGES = np.array([[[0, 255, 7], [128, 1, 0]],
                   [[9, 9, 9], [0, 0, 200]],
                   [[255, 0, 255], [0, 255, 0]],
                   [[3, 4, 5], [6, 7, 8]]], dtype=np.uint8)  # 4 images of 2 x 3
LABELS = np.array([7, 0, 9, 3], dtype=np.uint8)


def idx_bytes(array, code=0x08, fmt="B"):
    """An idx file's bytes, written from the format's description, not from read_idx."""
    head = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return head + struct.pack(f">{array.size}{fmt}", *array.ravel().tolist())


@pytest.fixture
def files(tmp_path):
    paths = {"images": tmp_path / "images-idx3-ubyte", "labels": tmp_path / "labels-idx1-ubyte",
             "images.gz": tmp_path / "images-idx3-ubyte.gz",
             "labels.gz": tmp_path / "labels-idx1-ubyte.gz"}
    paths["images"].write_bytes(idx_bytes(IMAGES))
    paths["labels"].write_bytes(idx_bytes(LABELS))
    paths["images.gz"].write_bytes(gzip.compress(idx_bytes(IMAGES)))
    paths["labels.gz"].write_bytes(gzip.compress(idx_bytes(LABELS)))
    return paths


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_read_idx_reads_images_and_labels(files, suffix):
    images = read_idx(files["images" + suffix])
    labels = read_idx(files["labels" + suffix])
    assert images.dtype == np.uint8 and images.shape == (4, 2, 3)
    np.testing.assert_array_equal(images, IMAGES)
    np.testing.assert_array_equal(labels, LABELS)


@pytest.mark.parametrize("code, fmt, dtype", [(0x0B, "h", np.int16), (0x0C, "i", np.int32),
                                              (0x0D, "f", np.float32), (0x0E, "d", np.float64),
                                              (0x09, "b", np.int8)])
def test_read_idx_reads_the_other_types_big_endian(tmp_path, code, fmt, dtype):
    values = np.array([[-3, 2, 1000 if fmt != "b" else 100], [0, -1, 7]], dtype=dtype)
    path = tmp_path / "values.idx"
    path.write_bytes(idx_bytes(values, code, fmt))
    got = read_idx(path)
    assert got.dtype == np.dtype(dtype) and got.dtype.isnative
    np.testing.assert_array_equal(got, values)


def test_mnist_gives_the_layout_of_digits(files):
    x, t = mnist(files["images.gz"], files["labels"])
    assert x.shape == (4, 6) and x.dtype == np.float64 and t.dtype == np.int64
    np.testing.assert_allclose(x, IMAGES.reshape(4, 6) / 255.0)
    np.testing.assert_array_equal(t, [7, 0, 9, 3])
    assert mnist(files["images"], files["labels"], dtype=np.float32)[0].dtype == np.float32


def test_mnist_refuses_files_that_do_not_match(files, tmp_path):
    short = tmp_path / "three-labels"
    short.write_bytes(idx_bytes(LABELS[:3]))
    with pytest.raises(ValueError, match="4 images but 3 labels"):
        mnist(files["images"], short)
    with pytest.raises(ValueError, match="should hold images"):
        mnist(files["labels"], files["labels"])
    with pytest.raises(ValueError, match="should hold labels"):
        mnist(files["images"], files["images"])


@pytest.mark.parametrize("content, match", [
    (b"\x00\x00\x08", "fewer than the 4"),
    (b"\x01\x00\x08\x01" + struct.pack(">I", 1) + b"\x05", "not an idx file.*01000801"),
    (b"\x00\x00\x07\x01" + struct.pack(">I", 1) + b"\x05", "not an idx file.*00000701"),
    (b"\x00\x00\x08\x00", "not an idx file"),
    (b"\x00\x00\x08\x03" + struct.pack(">I", 4), "ends inside its header"),
    (idx_bytes(IMAGES)[:-5], r"ends early \(truncated\?\).*shape \(4, 2, 3\)"),
    (idx_bytes(LABELS) + b"\x00", "extra bytes"),
    (b"\x1f\x8b\x08\x00garbage", "cannot be decompressed"),
])
def test_read_idx_refuses_broken_files(tmp_path, content, match):
    path = tmp_path / "broken-idx"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match) as info:
        read_idx(path)
    assert "broken-idx" in str(info.value)


def test_read_idx_refuses_a_truncated_gzip_file(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(idx_bytes(IMAGES))[:-10])
    with pytest.raises(ValueError, match="cut.gz"):
        read_idx(path)


def test_read_idx_names_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no file at"):
        read_idx(tmp_path / "nowhere")
