"""Two-time maps from APS 8-ID-I result files (and a writer of such files, for tests).

This subpackage reads maps; crops are cut in one place. To bring beamline data to
the model, read the maps and cut them as the training crops are cut::

    maps, rois = xpcs_nb.io.read_maps(path)
    crops, table = xpcs_nb.prepare_crops(maps, rois=rois, crops_per_map=2, seed=0)
    table = table.merge(read_roi_table(path), on="roi")   # each crop's q-bin, q and phi

Two layouts. What the reader expects was checked against the source code of the APS
programs that write and read these files (boost_corr, the 8-ID-I correlator, and
pyXpcsViewer, the beamline's viewer), *not* against a real beamline file::

    new layout (boost_corr's NeXus-style results)
    /xpcs/twotime/correlation_map/c2_NNNNN  (T, T) upper triangle with the diagonal,
                                            zeros below (boost_corr stores triu(c2))
    /xpcs/twotime/processed_bins            (n_roi,) the q-bin of map NNNNN is entry NNNNN-1
    /xpcs/qmap/dynamic_index_mapping        (n_bins,) bin b -> flat index in the (q, phi) grid
    /xpcs/qmap/dynamic_v_list_dim0          (n_q,) q of each ring
    /xpcs/qmap/dynamic_v_list_dim1          (n_phi,) azimuth of each sector, degrees
    /xpcs/qmap/map_names, map_units         e.g. [b"q", b"phi"], [b"1/A", b"degree"]

    legacy layout
    /exchange/C2T_all/g2_NNNNN              (T, T) upper triangle, as above
    /xpcs/qphi_bin_to_process               (n_roi,) the q-bin of each map (when present)
    /xpcs/dqlist, /xpcs/dphilist            (1, n_bins) q (1/A) and azimuth (deg) per bin

NNNNN is the 1-based ROI (map) number, zero-padded to five digits. Both APS programs
rebuild the full map as half + half.T with the diagonal counted once, as
:func:`read_c2` does. A flat grid index is q_index * n_phi + phi_index (pyXpcsViewer
labels its bins with q in the outer loop). Where a file lacks ``processed_bins`` /
``qphi_bin_to_process``, map NNNNN is taken as bin NNNNN; where it lacks
``dynamic_index_mapping``, bin b as flat index b - 1 (what third-party loaders
assume, unverified).

Units: q comes back in nm^-1, the unit of this package; APS files hold 1/A (x10).
"""

from .maps import diagonal_from_neighbours, full_from_upper
from .read import ANGSTROM_UNITS, DETECTOR, LAYOUTS, NANOMETRE_UNITS, QMAP, detect_layout, list_rois, read_c2, read_roi_table
from .write import DARK_ATTRIBUTE, GEOMETRY_FIELDS, write_aps_result

__all__ = [
    "LAYOUTS",
    "detect_layout",
    "diagonal_from_neighbours",
    "full_from_upper",
    "list_rois",
    "read_c2",
    "read_roi_table",
    "write_aps_result",
    "QMAP",
    "DETECTOR",
    "ANGSTROM_UNITS",
    "NANOMETRE_UNITS",
    "DARK_ATTRIBUTE",
    "GEOMETRY_FIELDS",
]
