"""Issue 17: every printed reference read right, and a list that always loads.

The fixtures are built from what the real PDFs in shared/realpdfs show (see
bibliography/pdftext.py): page numbers and running heads between lines, CVPR-style
back-references, line-end hyphenation, spacing accents from TeX ("Herv´e"), ligatures,
alpha labels, author-year lists with initials, an appendix after the list. The real
papers themselves are checked too where ../shared is present.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sora_refs.bibliography.categories import derive
from sora_refs.bibliography.citations import Citation, extract, merge_duplicates
from sora_refs.bibliography.documents import pdf_document
from sora_refs.bibliography.draft import build
from sora_refs.bibliography.entries import title_and_authors
from sora_refs.cli import app
from sora_refs.readinglist.manifest import load_manifest, parse_manifest
from sora_refs.text import repair

REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "realpdfs"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="needs ../shared/realpdfs")

NUMBERED = """Introduction
Transformers [2] replaced recurrence [1, 3].
References
[1] Jimmy Lei Ba, Jamie Ryan Kiros, and Geoffrey E Hinton. Layer normalization. arXiv
preprint arXiv:1607.06450, 2016.
[2] Ashish Vaswani, Noam Shazeer, et al. Attention is all you need. In NeurIPS, 2017. 1, 5, 26
10
Latent Diffusion Models (preprint)
[3] Mathilde Caron, Hugo Touvron, Ishan Misra, Herv´e J´egou, Julien Mairal, Piotr Bojanowski,
and Armand Joulin. Emerging properties in self-supervised vision trans-
formers. In ICCV, 2021. 3
[4] Martin Arjovsky, Soumith Chintala, and L´eon Bottou. Wasserstein gan, 2017. 3
Latent Diffusion Models (preprint)
[5] Jonathan Ho, Ajay Jain, and Pieter Abbeel. Denoising dif-
fusion probabilistic models. In NeurIPS, 2020. 1, 2
Latent Diffusion Models (preprint)
A. Changelog
Here we list changes between this version and the previous one, in 12 points.
"""

AUTHOR_YEAR = """We follow prior work (Kingma & Welling, 2013).
References
Barron, J. T., Biggin, M. D., and Malik, J. Volumetric Semantic Segmentation
Using Pyramid Context Features. In 2013 IEEE International
Conference on Computer Vision, pp. 3448–3455. IEEE, 2013.
Cho, Kyunghyun, van Merrienboer, Bart, G¨ulc¸ehre, C¸ aglar,
and Bengio, Yoshua. Learning phrase representations us-
ing RNN encoder-decoder. CoRR, abs/1406.1078, 2014.
Feller, W. On the theory of stochastic processes. In Proceedings, 1949.
Kingma, D. P. and Welling, M. Auto-Encoding Variational Bayes. International
Conference on Learning Representations, December 2013.
Le, Q. V. and Ng, A. Y. Learning hierarchical features. In CVPR, 2011.
Tanaka, T. Mean-ﬁeld theory of Boltzmann machine learning.
Physical Review Letters E, January 1998.
"""

ALPHA = """as in [BCV13] and [Lin89].
References
[BCV13] Yoshua Bengio, Aaron Courville, and Pascal Vincent. Representation learning: A re-
view and new perspectives. 2013.
[BTL13] Yoshua Bengio and ´Eric Thibodeau-Laufer. Deep generative stochastic networks train-
able by backprop. arXiv preprint arXiv:1306.1091, 2013.
[Lin89] Ralph Linsker. An application of the principle of maximum information preservation
to linear systems. Morgan Kaufmann Publishers Inc., 1989.
[VLL+10] Pascal Vincent, Hugo Larochelle, Isabelle Lajoie. Stacked denoising autoencoders.
JMLR, 2010.
"""

# Springer LNCS (ECCV, MICCAI) as pdftotext gives it: a colon ends the names, names and
# words broken across lines, initials without spaces, the running head and page number
# between two entries, numbers aligned with a space.
LNCS = """1 Introduction
Detection [1, 2] as in [4] and [5].
                                     Addressing Modality Imbalance Problems             15

References
 1. Behley, J., Garbade, M., Stachniss, C., Gall,
    J.: Semantickitti: A dataset for semantic scene understanding of lidar sequences.
    In: Proc. of the IEEE/CVF International Conf. on Computer Vision (ICCV). vol. 3
    (2019)
 2. Choi, H., Kim, S., Park, K., Sohn, K.: Multi-spectral pedestrian detection based on
    accumulated object proposal with fully convolutional networks. In: 2016 23rd In-
    ternational Conference on Pattern Recognition (ICPR). pp. 621–626. IEEE (2016)
16      Kailai Zhou, Linsen Chen, Xun Cao

 3. Lin, T.Y., Dollár, P., Girshick, R., He, K.: Feature
    pyramid networks for object detection. In: Proceedings of the IEEE conference on
    computer vision and pattern recognition. pp. 2117–2125 (2017)
 4. Deitke, M., Schwenk, D., Farhadi, A., et al.: Objaverse: A universe of annotated 3d
    objects. In: CVPR. pp. 13142–13153 (2023) 3, 4, 7, 9
 5. Oksuz, K., Cam, B.C., Kalkan, S., Akbas, E.: Imbalance problems in object detec-
    tion: A review. arXiv preprint arXiv:1909.00169 (2019)
18     Kailai Zhou, Linsen Chen, Xun Cao

6    Appendix
We further clarify the meaning of FD here.
"""

# A paper converted to Markdown by a PDF-to-Markdown tool: each entry a list item ("- 3."
# or "7. 7."), its last line sometimes an item of its own ("- (2023) 4"), a hyphenated
# word broken across two items, the back-reference pages at the end.
CONVERTED = """# A paper

Following LRM [1] and Zero-1-to-3 [2], as in [4].

## References

- 1. Hong, Y., Zhang, K., Tan, H.: Lrm: Large reconstruction model for single image to 3d.
arXiv preprint arXiv:2311.04400 (2023) 2, 4, 7
- 2. Liu, R., Wu, R., Van Hoorick, B., Vondrick, C.: Zero-

- 1-to-3: Zero-shot one image to 3d object. arXiv preprint arXiv:2303.11328 (2023)
- 2

3. 3. Tang, J., Zhou, H., Zeng, G.: Delicate textured mesh recovery from nerf via adaptive
surface refinement. arXiv preprint

- arXiv:2303.02091 (2022) 8, 9

- 4. Mildenhall, B., Srinivasan, P.P., Ng, R.: Nerf: Representing scenes as neural radiance
fields for view synthesis. In: ECCV

(2020) 2

### A More Implementation Details

Datasets. The full list of words is: flying, mountain.
"""


def _cites(text: str) -> list[Citation]:
    return extract(pdf_document(text))


def test_a_numbered_list_is_read_in_sequence_past_page_numbers_heads_and_appendix() -> None:
    cites = _cites(NUMBERED)
    assert [c.label for c in cites] == ["1", "2", "3", "4", "5"]
    assert "Changelog" not in cites[4].text  # the list ends at the appendix
    titles = [c.title for c in cites]
    assert titles == ["Layer normalization", "Attention is all you need",
                      "Emerging properties in self-supervised vision transformers",
                      "Wasserstein gan", "Denoising diffusion probabilistic models"]
    assert cites[2].authors[3] == "Hervé Jégou" and cites[3].authors[2] == "Léon Bottou"
    assert cites[1].authors == ["Ashish Vaswani", "Noam Shazeer"]  # "et al." ends the list
    assert [c.year for c in cites] == [2016, 2017, 2021, 2017, 2020]
    assert "Latent Diffusion" not in cites[4].text and not cites[1].text.endswith("26")


def test_a_springer_list_reads_names_before_the_colon() -> None:
    cites = _cites(LNCS)
    assert [c.title for c in cites] == [
        "Semantickitti: A dataset for semantic scene understanding of lidar sequences",
        "Multi-spectral pedestrian detection based on accumulated object proposal with "
        "fully convolutional networks", "Feature pyramid networks for object detection",
        "Objaverse: A universe of annotated 3d objects",
        "Imbalance problems in object detection: A review"]
    assert [c.authors for c in cites] == [
        ["J. Behley", "M. Garbade", "C. Stachniss", "J. Gall"],
        ["H. Choi", "S. Kim", "K. Park", "K. Sohn"],
        ["T.Y. Lin", "P. Dollár", "R. Girshick", "K. He"],
        ["M. Deitke", "D. Schwenk", "A. Farhadi"], ["K. Oksuz", "B.C. Cam", "S. Kalkan",
                                                    "E. Akbas"]]
    assert [c.year for c in cites] == [2019, 2016, 2017, 2023, 2019]
    assert [c.venue for c in cites] == ["ICCV", "", "CVPR", "CVPR", "arXiv"]
    assert cites[4].arxiv == ["1909.00169"] and "Appendix" not in cites[4].text
    assert not any("Kailai" in c.text for c in cites)  # the running head is no entry's
    # the same pages copied from a PDF viewer into a .txt file
    from sora_refs.bibliography.source import document

    copied = extract(document(LNCS.encode(), "text", "refs.txt"))
    assert [(c.label, c.title) for c in copied] == [(c.label, c.title) for c in cites]


def test_a_converted_markdown_list_is_read_item_by_item() -> None:
    from sora_refs.bibliography.documents import text_document

    cites = extract(text_document(CONVERTED, "markdown"))
    assert [c.title for c in cites] == [
        "Lrm: Large reconstruction model for single image to 3d",
        "Zero-1-to-3: Zero-shot one image to 3d object",
        "Delicate textured mesh recovery from nerf via adaptive surface refinement",
        "Nerf: Representing scenes as neural radiance fields for view synthesis"]
    assert [c.arxiv for c in cites] == [["2311.04400"], ["2303.11328"], ["2303.02091"], []]
    assert [c.year for c in cites] == [2023, 2023, 2022, 2020]
    assert cites[2].authors == ["J. Tang", "H. Zhou", "G. Zeng"]
    assert cites[1].sentence.startswith("Following LRM")
    assert "Datasets" not in cites[3].text  # the list ends at the next heading


def _springer_paper() -> str:
    """A whole LNCS paper as pdftotext writes it: pages apart by form feeds, odd pages
    headed by the title and the page number, even ones by the number and the authors."""
    heads = ["Addressing Modality Imbalance Problems {n}", "{n}      Kailai Zhou, Xun Cao"]
    pages = [heads[n % 2].format(n=n) + "\n" + f"Body text of page {n}, citing [1] and [3]."
             for n in range(1, 9)]
    entries = LNCS.split("References\n", 1)[1].split("6    Appendix")[0]
    lines = [x for x in entries.split("\n") if x.strip() and "Kailai" not in x]
    half = len(lines) // 2
    pages.append(heads[1].format(n=10) + "\nReferences\n" + "\n".join(lines[:half]))
    pages.append(heads[1].format(n=11).replace("Kailai Zhou, Xun Cao", "") + heads[0].format(
        n=11) + "\n" + "\n".join(lines[half:]))
    return "\f".join(pages)


def test_a_papers_text_file_is_read_as_the_pdf_it_came_from() -> None:
    """pdftotext's output saved as .txt: the running heads, which carry page numbers,
    are in no entry, and the list is read as a PDF's is."""
    from sora_refs.bibliography.source import document

    for doc in (pdf_document(_springer_paper()),
                document(_springer_paper().encode(), "text", "paper.txt")):
        cites = extract(doc)
        assert [c.label for c in cites] == ["1", "2", "3", "4", "5"]
        assert not [c.text for c in cites if "Kailai" in c.text or "Addressing" in c.text]
        assert cites[4].title == "Imbalance problems in object detection: A review"
        assert cites[0].sentence.startswith("Body text of page")


def test_an_author_year_list_never_takes_a_venue_for_a_title() -> None:
    cites = _cites(AUTHOR_YEAR)
    assert len(cites) == 6
    assert [c.title for c in cites] == [
        "Volumetric Semantic Segmentation Using Pyramid Context Features",
        "Learning phrase representations using RNN encoder-decoder",
        "On the theory of stochastic processes", "Auto-Encoding Variational Bayes",
        "Learning hierarchical features", "Mean-field theory of Boltzmann machine learning"]
    assert cites[0].authors == ["J. T. Barron", "M. D. Biggin", "J. Malik"]
    assert cites[1].authors == ["Kyunghyun Cho", "Bart van Merrienboer", "Çaglar Gülçehre",
                                "Yoshua Bengio"]
    assert cites[4].authors[0] == "Q. V. Le"  # "Le" is a surname, not a particle
    assert cites[2].year == 1949 and cites[3].year == 2013


def test_alpha_labels_are_entries() -> None:
    cites = _cites(ALPHA)
    assert [c.label for c in cites] == ["BCV13", "BTL13", "Lin89", "VLL+10"]
    assert cites[0].title == "Representation learning: A review and new perspectives"
    assert cites[1].authors == ["Yoshua Bengio", "Éric Thibodeau-Laufer"]
    assert cites[0].sentence and cites[2].sentence  # cited by label in the body


@pytest.mark.parametrize("printed,title,first", [
    ("Vaswani et al. Attention is all you need. NIPS 2017.", "Attention is all you need",
     "Vaswani"),
    ("Tom Brown, Benjamin Mann, and Dario Amodei. Language models are few-shot learners. "
     "In NeurIPS, 2020.", "Language models are few-shot learners", "Tom Brown"),
    ("Ho, J., Jain, A., and Abbeel, P. (2020). Denoising diffusion probabilistic models. "
     "NeurIPS.", "Denoising diffusion probabilistic models", "J. Ho"),
    ("Donahue, Jeff and Darrell, Trevor. Long-term recurrent convolutional networks. CoRR, "
     "abs/1411.4389, 2014.", "Long-term recurrent convolutional networks", "Jeff Donahue"),
    ("Generative adversarial nets. In NeurIPS, 2014.", "Generative adversarial nets", None),
    ("In NeurIPS, 2020.", "", None),  # no title: none is invented
])
def test_the_title_is_the_sentence_after_the_names(printed: str, title: str,
                                                   first: str | None) -> None:
    got, authors = title_and_authors(printed)
    assert got == title
    assert (authors[0] if authors else None) == first


def test_repair_recomposes_accents_ligatures_and_hyphenation() -> None:
    assert repair("Herv´e J´egou, G¨ulc¸ehre, C¸ aglar, ´Eric") == "Hervé Jégou, Gülçehre, " \
        "Çaglar, Éric"
    assert repair("classiﬁer-\nfree and over-\nfit; classifier-free") == \
        "classifier-free and overfit; classifier-free"


@pytest.mark.parametrize("printed,dois", [
    # as 1503.03585 prints them, a line end inside the DOI
    ("Barron, J. T. and Malik, J. Volumetric Semantic Segmentation. In ICCV, pp. 3448–3455. "
     "IEEE, 2013. ISBN 978-1-4799-2840-8. doi: 10.1109/ICCV. 2013.428.",
     ["10.1109/ICCV.2013.428"]),
    ("Sohl-Dickstein, J. New Method for Parameter Estimation. Physical Review Letters, "
     "2011a. ISSN 0031-9007. doi: 10.1103/ PhysRevLett.107.220601.",
     ["10.1103/PhysRevLett.107.220601"]),
    ("A. B. Title of it. ACM TOG, 2020. doi: 10.1145/3386569. 3392481",
     ["10.1145/3386569.3392481"]),
    # a year or a page number after a whole DOI is not more DOI
    ("He, K. Deep residual learning. In CVPR. doi: 10.1109/CVPR.2016.90. 2016.",
     ["10.1109/CVPR.2016.90"]),
    ("He, K. Deep residual learning. doi: 10.1109/CVPR.2016.90. 770 pages, CVPR 2016.",
     ["10.1109/CVPR.2016.90"]),
])
def test_a_doi_the_line_broke_is_one_doi(printed: str, dois: list[str]) -> None:
    from sora_refs.bibliography.citations import parse_entry

    assert parse_entry(1, "1", printed).dois == dois


_DOI_PART = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                    min_size=2, max_size=8)  # a real DOI's suffix is never one character


@settings(max_examples=150, deadline=None)
@given(st.integers(1000, 99999), st.lists(_DOI_PART, min_size=1, max_size=4),
       st.sampled_from(["/", ".", "-"]), st.integers(0, 10), st.booleans())
def test_a_doi_broken_anywhere_at_its_punctuation_comes_back_whole(
        registrant: int, parts: list[str], sep: str, at: int, dot: bool) -> None:
    """Wherever a line breaks a DOI after its slash, a dot or a hyphen, the DOI printed
    at the end of the entry is read whole; and no DOI is read that the text lacks."""
    from sora_refs.bibliography.citations import parse_entry

    suffix = [sep.join(parts[:1]), *parts[1:]]
    doi = f"10.{registrant}/" + ".".join(suffix)
    cuts = [i + 1 for i, ch in enumerate(doi) if ch in "/.-" and i > doi.index("/") - 1]
    cut = cuts[at % len(cuts)]
    broken = doi[:cut] + " " + doi[cut:]
    tail = doi[cut:]
    printed = f"A. Author and B. Writer. A title of a paper. Journal, 2020. doi: {broken}" + (
        "." if dot else "")
    got = parse_entry(1, "1", printed).dois
    squeezed = printed.replace(" ", "")
    assert all(d in squeezed for d in got)
    if (not re.fullmatch(r"(?:19|20)\d\d[a-z]?", tail) and tail[:1].isdigit()) or (
            doi[cut - 1] == "/"):
        assert got == [doi]


def test_names_and_urls_the_line_broke_are_read_whole() -> None:
    from sora_refs.bibliography.citations import parse_entry

    assert repair("Phillip Isola, Jun-\nYan Zhu, Sohl-\nDickstein, LAION-\n400M, pp. 18-\n22, "
                  "repre-\nsentation") == ("Phillip Isola, Jun-Yan Zhu, Sohl-Dickstein, "
                                           "LAION-400M, pp. 18-22, representation")
    c = parse_entry(1, "1", "Charlie Snell. Alien Dreams: An Emerging Art Scene. https : / / "
                    "ml . berkeley . edu / blog / posts / clip-art/, 2021.")
    assert c.urls == ["https://ml.berkeley.edu/blog/posts/clip-art/"]
    assert c.title == "Alien Dreams: An Emerging Art Scene" and c.year == 2021
    c = parse_entry(2, "2", "A. Author. A page. https://example.org/a - a dash, 2020.")
    assert c.urls == ["https://example.org/a"]  # an ordinary URL, then a dash


@pytest.mark.parametrize("printed,authors", [
    ("Xinlei Chen and Kaiming He. Exploring simple Siamese representation learning. In CVPR, "
     "2021.", ["Xinlei Chen", "Kaiming He"]),
    ("Diederik Kingma and Jimmy Ba. Adam: A method for stochastic optimization. In ICLR, 2015.",
     ["Diederik Kingma", "Jimmy Ba"]),
    ("Barron, J. T. and Malik, J. Volumetric semantic segmentation. In ICCV, 2013.",
     ["J. T. Barron", "J. Malik"]),  # surnames first: the last initial keeps its stop
])
def test_the_last_surname_loses_the_stop_that_ends_the_names(printed: str,
                                                            authors: list[str]) -> None:
    assert title_and_authors(printed)[1] == authors


# The reference styles of other publishers, as their papers print them.
STYLES = [
    # IEEE, with a capital outside ASCII
    ("A. Vaswani, N. Shazeer, Ł. Kaiser, and I. Polosukhin, “Attention is all you need,” in "
     "Proc. Adv. Neural Inf. Process. Syst., 2017, pp. 5998–6008.",
     "Attention is all you need", ["A. Vaswani", "N. Shazeer", "Ł. Kaiser", "I. Polosukhin"],
     2017, "NeurIPS"),
    # BibTeX's "and others" as the ICML 2015 style prints it: "et al.", not an author
    ("Parry, M., Dawid, A. P., Lauritzen, S., and Others. Proper local scoring rules. The "
     "Annals of Statistics, 40(1):561–592, 2012.", "Proper local scoring rules",
     ["M. Parry", "A. P. Dawid", "S. Lauritzen"], 2012, "The Annals of Statistics"),
    # IEEE as a converted page prints it: "et al. ," and the abbreviated NAACL
    ("L. Karlinsky et al. , “RepMet: Representative-based metric learning for "
     "classification and few-shot object detection,” in Proc. IEEE/CVF Conf. Comput. Vis. "
     "Pattern Recognit. (CVPR) , Jun. 2019, pp. 5197–5206.", "RepMet: Representative-based "
     "metric learning for classification and few-shot object detection", ["L. Karlinsky"],
     2019, "CVPR"),
    ("J. Devlin, M. Chang, K. Lee, and K. Toutanova, “BERT: Pre-training of deep "
     "bidirectional transformers for language understanding,” in Proc. Conf. North Amer. "
     "Chapter Assoc. Comput. Linguistics, Hum. Lang. Technol. , 2019, pp. 4171–4186.",
     "BERT: Pre-training of deep bidirectional transformers for language understanding",
     ["J. Devlin", "M. Chang", "K. Lee", "K. Toutanova"], 2019, "NAACL"),
    # Springer LNCS: a colon ends the names
    ("Ronneberger, O., Fischer, P., Brox, T.: U-Net: Convolutional networks for biomedical "
     "image segmentation. In: MICCAI. pp. 234–241. Springer (2015)",
     "U-Net: Convolutional networks for biomedical image segmentation",
     ["O. Ronneberger", "P. Fischer", "T. Brox"], 2015, "MICCAI"),
    ("Dosovitskiy, A., et al.: An image is worth 16x16 words: Transformers for image "
     "recognition at scale. In: ICLR (2021)", "An image is worth 16x16 words: Transformers "
     "for image recognition at scale", ["A. Dosovitskiy"], 2021, "ICLR"),
    ("Çiçek, Ö., Brox, T.: 3D U-Net: learning dense volumetric segmentation. In: MICCAI "
     "(2016)", "3D U-Net: learning dense volumetric segmentation", ["Ö. Çiçek", "T. Brox"],
     2016, "MICCAI"),
    # a colon in the title after a name-like word is no end of names
    ("Kingma, D. P. and Welling, M. Auto-Encoding: Variational Bayes. In ICLR, 2014.",
     "Auto-Encoding: Variational Bayes", ["D. P. Kingma", "M. Welling"], 2014, "ICLR"),
    # Vancouver and Springer Nature: initials after the surname, without stops
    ("Ho J, Jain A, Abbeel P. Denoising diffusion probabilistic models. Adv Neural Inf "
     "Process Syst. 2020;33:6840-51.", "Denoising diffusion probabilistic models",
     ["J. Ho", "A. Jain", "P. Abbeel"], 2020, "NeurIPS"),
    ("Radford A, Kim JW, Hallacy C, et al (2021) Learning transferable visual models from "
     "natural language supervision. In: ICML, pp 8748–8763", "Learning transferable visual "
     "models from natural language supervision", ["A. Radford", "J. W. Kim", "C. Hallacy"],
     2021, "ICML"),
    # Elsevier's numbered style: commas alone end the names and the title
    ("K. He, X. Zhang, S. Ren, J. Sun, Deep residual learning for image recognition, in: "
     "CVPR, 2016, pp. 770–778.", "Deep residual learning for image recognition",
     ["K. He", "X. Zhang", "S. Ren", "J. Sun"], 2016, "CVPR"),
    ("A. Vaswani, A.N. Gomez, Ł. Kaiser, I. Polosukhin, Attention is all you need, Adv. "
     "Neural Inf. Process. Syst. 30 (2017).", "Attention is all you need",
     ["A. Vaswani", "A.N. Gomez", "Ł. Kaiser", "I. Polosukhin"], 2017, "NeurIPS"),
    ("K. He, X. Zhang, Deep residual learning, revisited, in: CVPR, 2016.",
     "Deep residual learning, revisited", ["K. He", "X. Zhang"], 2016, "CVPR"),
    # ... and a stop after the last name is the usual style again
    ("K. He, X. Zhang, J. Sun. Deep residual learning for image recognition. In CVPR, 2016.",
     "Deep residual learning for image recognition", ["K. He", "X. Zhang", "J. Sun"], 2016,
     "CVPR"),
    ("K. Zhang, Jingyun Liang, Luc Van Gool, and Radu Timofte. Designing a practical "
     "degradation model for deep blind image super-resolution. ArXiv, 2021.",  # LDM's
     "Designing a practical degradation model for deep blind image super-resolution",
     ["K. Zhang", "Jingyun Liang", "Luc Van Gool", "Radu Timofte"], 2021, "arXiv"),
    # Chicago: only the first name inverted
    ("He, Kaiming, Xiangyu Zhang, and Jian Sun. 2016. “Deep Residual Learning for Image "
     "Recognition.” In Proceedings of the IEEE Conference on Computer Vision and Pattern "
     "Recognition, 770–78.", "Deep Residual Learning for Image Recognition",
     ["Kaiming He", "Xiangyu Zhang", "Jian Sun"], 2016, "CVPR"),
    # ACL, with the spaces PDF text loses ("ofthe Associationfor")
    ("Jacob Devlin, Ming-Wei Chang, Kenton Lee, and Kristina Toutanova. 2019. BERT: "
     "pre-training of deep bidirectional transformers for language understanding. In "
     "Proceedings ofthe 2019 Conference of the North American Chapter ofthe Associationfor "
     "Computational Linguistics: Human Language Technologies, pages 4171–4186.",
     "BERT: pre-training of deep bidirectional transformers for language understanding",
     ["Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova"], 2019, "NAACL"),
    # the author-year label a converted page prints first
    ("Devlin et al. (2019) Jacob Devlin, Ming-Wei Chang, Kenton Lee, and Kristina "
     "Toutanova. 2019. Bert: Pre-training of deep bidirectional transformers for language "
     "understanding. In NAACL. 4171–4186.", "Bert: Pre-training of deep bidirectional "
     "transformers for language understanding", ["Jacob Devlin", "Ming-Wei Chang",
                                                 "Kenton Lee", "Kristina Toutanova"],
     2019, "NAACL"),
    ("Ho and Salimans (2021) Jonathan Ho and Tim Salimans. Classifier-free diffusion "
     "guidance. In NeurIPS Workshop, 2021.", "Classifier-free diffusion guidance",
     ["Jonathan Ho", "Tim Salimans"], 2021, "NeurIPS"),
    # Google Scholar's Harvard and MLA, as people paste them from "Cite"
    ("Ho, J., Jain, A. and Abbeel, P., 2020. Denoising diffusion probabilistic models. "
     "Advances in neural information processing systems, 33, pp.6840-6851.",
     "Denoising diffusion probabilistic models", ["J. Ho", "A. Jain", "P. Abbeel"], 2020,
     "NeurIPS"),
    ('Ho, Jonathan, Ajay Jain, and Pieter Abbeel. "Denoising diffusion probabilistic '
     'models." Advances in neural information processing systems 33 (2020): 6840-6851.',
     "Denoising diffusion probabilistic models", ["Jonathan Ho", "Ajay Jain",
                                                  "Pieter Abbeel"], 2020, "NeurIPS"),
    ('He, Kaiming, et al. "Deep residual learning for image recognition." Proceedings of '
     'the IEEE conference on computer vision and pattern recognition. 2016.',
     "Deep residual learning for image recognition", ["Kaiming He"], 2016, "CVPR"),
    # Nature
    ("LeCun, Y., Bengio, Y. & Hinton, G. Deep learning. Nature 521, 436–444 (2015).",
     "Deep learning", ["Y. LeCun", "Y. Bengio", "G. Hinton"], 2015, "Nature"),
    ("Hinton, G. E. & Salakhutdinov, R. R. Reducing the dimensionality of data with neural "
     "networks. Science 313, 504–507 (2006).", "Reducing the dimensionality of data with "
     "neural networks", ["G. E. Hinton", "R. R. Salakhutdinov"], 2006, "Science"),
]


@pytest.mark.parametrize("printed,title,authors,year,venue", STYLES)
def test_every_publishers_style_is_read(printed: str, title: str, authors: list[str],
                                        year: int, venue: str) -> None:
    from sora_refs.bibliography.citations import parse_entry

    c = parse_entry(1, "1", printed)
    assert (c.title, c.authors, c.year, c.venue) == (title, authors, year, venue)


def test_two_works_that_print_one_doi_stay_two() -> None:
    """1503.03585 prints its PRL paper's DOI on its ICML paper too."""
    doi = ["10.1103/PhysRevLett.107.220601"]
    a = Citation(1, "1", "a", title="New Method for Parameter Estimation in Probabilistic "
                 "Models: Minimum Probability Flow", year=2011, dois=doi)
    b = Citation(2, "2", "b", title="Minimum Probability Flow Learning", year=2011, dois=doi)
    c = Citation(3, "3", "c", title="Minimum Probability Flow Learning", year=2011, dois=doi)
    assert [m.number for m in merge_duplicates([a, b, c])] == [1, 2]


def test_the_same_work_listed_twice_becomes_one_reference() -> None:
    a = Citation(1, "1", "A. Image-to-image translation. CVPR 2017.",
                 title="Image-to-image translation with conditional adversarial networks",
                 year=2017)
    b = Citation(2, "2", "B. Image-to-image translation again. CVPR 2017.",
                 title="Image-to-Image Translation with Conditional Adversarial Networks",
                 year=2017, sentence="as in [2].")
    c = Citation(3, "3", "x", arxiv=["1706.03762"])
    d = Citation(4, "4", "y", arxiv=["1706.03762v5"])
    merged = merge_duplicates([a, b, c, d])
    assert [m.number for m in merged] == [1, 3]
    assert merged[0].duplicates == [b.text] and merged[0].sentence == "as in [2]."


@pytest.mark.timeout(150)
@pytest.mark.parametrize("text", [
    "\n" * 200_000 + "References\n" + "\n\n" * 100_000,
    "References\n" + "https://" * 120_000,
    "x" * 1_000_000,
    "References\n" + "[1] " + "Aa, " * 250_000,
    "References\n" + ("Smith, J. " * 50 + "\n") * 400,
])
def test_every_reader_is_linear_in_its_input(text: str) -> None:
    """Issue 20: inputs that made the old parsers backtrack for minutes, at 1 MB."""
    from sora_refs.bibliography.documents import text_document

    for read in (pdf_document, text_document):
        try:
            extract(read(text))
        except Exception as exc:  # a clear refusal is fine; a hang is not
            assert "References" in str(exc) or "found no" in str(exc)


# ---------------------------------------------------------------- lists that load

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
_WORDS = st.sampled_from(["2016", "null", "yes", "no", "~", "- x", "#", "a: b", "[1]", "{x}",
                          "", " ", "Ünïcode", "ﬁ", "\t", "'", '"', "%", "&", "*", "!tag"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.one_of(_TEXT, _WORDS), st.one_of(_TEXT, _WORDS),
                          st.one_of(st.none(), st.integers(1000, 2999)),
                          st.one_of(_TEXT, _WORDS)), min_size=1, max_size=8),
       st.one_of(_TEXT, _WORDS))
def test_any_bibliography_becomes_a_manifest_that_loads(items, title) -> None:
    cites = []
    body = []
    for i, (t, author, year, phrase) in enumerate(items, 1):
        cites.append(Citation(i, str(i), f"{author}. {t}. {year}", title=t,
                              authors=[author] if author.strip() else [], year=year,
                              arxiv=["1706.03762"] if i == 2 else [],
                              urls=["http://user@host/x", "https://ok.example/p.pdf"]))
        body.append(f"# {phrase}\n{phrase} [{i}].\n")
    cites = merge_duplicates(cites)
    from sora_refs.bibliography.citations import first_citations

    contexts = first_citations("\n".join(body))
    for c in cites:
        if c.label in contexts:
            c.section, c.sentence, c.group = contexts[c.label]
    tree, paths = derive(cites, "\n".join(body))
    text, rows = build(title, "source", cites, {}, tree, paths, "offline")
    manifest = parse_manifest(text, Path("generated.yaml"))
    assert len(manifest.references) == len(cites) == len(rows)
    assert all(r.resolution == "unresolved" for r in manifest.references)


# ---------------------------------------------------------------- the real papers

# Printed references per paper, counted by hand from the PDFs' text.
PRINTED = {"1312.6114": 17, "1502.04681": 28, "1503.03585": 55, "1706.03762": 40,
           "1706.03762-nips2017": 32, "2111.06377": 72, "2112.10752": 109}


@pytest.mark.skipif(not REAL.is_dir(), reason="needs ../shared/realpdfs")
@pytest.mark.parametrize("name", sorted(PRINTED))
def test_the_real_papers_references_are_read(name: str) -> None:
    import re

    from sora_refs.pdf.reader import pool

    cites = extract(pdf_document(pool().text(REAL / f"{name}.pdf")))
    assert len(cites) >= 0.95 * PRINTED[name] and len(cites) <= PRINTED[name]
    fragment = re.compile(r"^(?:In\b|arXiv|ArXiv|CoRR|Proc|International|\d{4}\b)")
    good = [c for c in cites if c.title and not fragment.match(c.title) and c.authors
            and c.year]
    assert len(good) >= 0.95 * len(cites), [c.text for c in cites if c not in good]
    assert not any(ch in c.title + " ".join(c.authors) for c in cites for ch in "´¨ﬁﬂ")
    names = [a for c in cites for a in c.authors]
    assert not [a for a in names if re.search(r"[a-z]\.$|- ", a)]  # "He.", "Jun- Yan"
    assert not [d for c in cites for d in c.dois if not re.search(r"\d", d.split("/", 1)[1])
                ]  # "10.1109/ICCV": a DOI cut at the line end


# ---------------------------------------------------------------- mind maps of PDFs


def test_pdf_heads_become_sections_and_paragraph_heads() -> None:
    from sora_refs.bibliography.citations import first_citations
    from sora_refs.bibliography.pdftext import pdf_headings

    body = ("1. Introduction\nWe build on transformers [3].\n2. Related Work\n"
            "Masked image encoding. Methods such as [4] learn by masking.\n"
            "Figure 2. Example results [5].\n4.1. Main Properties\nAs in [6], we train.\n"
            "1.1 We address the difficulty that\nDATA S E T S\n")
    marked = pdf_headings(body)
    assert "## Introduction" in marked and "## Related Work" in marked
    assert "### Masked image encoding" in marked and "## Main Properties" in marked
    assert "## Figure" not in marked and "## We address" not in marked
    found = first_citations(marked)
    assert found["3"][0] == "Introduction"
    assert found["4"][0] == "Related Work › Masked image encoding"
    assert found["6"][0] == "Main Properties"


@pytest.mark.parametrize("title", ["82.3 82.6 83.1 - DINO", "75.4 80.1 83.0 86.8 81.2",
                                   "20B parameters in 3.5 days", "In", "Recently",
                                   "Millions of—often publicly inaccessible—labeled images"])
def test_a_phrase_that_is_no_name_is_no_category(title: str) -> None:
    from sora_refs.bibliography.categories import a_name

    assert not a_name(title)


def test_names_that_are_names_stay() -> None:
    from sora_refs.bibliography.categories import a_name

    for title in ("Generative adversarial networks", "Diffusion models", "MoCo v3",
                  "Classification tasks", "Transformers"):
        assert a_name(title), title


@needs_real
@pytest.mark.parametrize("name", ["2111.06377.pdf", "2112.10752.pdf", "1706.03762.pdf",
                                  "1503.03585.pdf", "1502.04681.pdf"])
def test_real_pdfs_give_mind_maps_a_person_would_keep(runner, tmp_path, name) -> None:
    """Issue 17, item 6: MAE gave 33 categories, LDM 65, named "In", "Recently" and rows
    of numbers; for 20 references or more: 3 to 16 leaves, at most a quarter alone."""
    from sora_refs.bibliography.categories import a_name

    out = tmp_path / "x.yaml"
    runner.invoke(app, ["init", str(out), "--from", str(REAL / name), "--mirror",
                        "https://export.arxiv.org=http://127.0.0.1:9"])
    m = load_manifest(out)
    assert len(m.references) >= 20
    counts: dict[str, int] = {}
    for r in m.references:
        counts[r.category] = counts.get(r.category, 0) + 1
    assert 3 <= len(counts) <= 16, counts
    assert sum(1 for n in counts.values() if n == 1) * 4 <= len(m.references), counts
    for cat in m.walk_categories():
        if cat.depth:
            assert a_name(cat.en), cat.en
        assert sum(ch.isdigit() for ch in cat.en) * 4 < len(cat.en), cat.en


def test_raised_citation_numbers_become_markers_only_where_they_can_be_entries() -> None:
    """A web page printed to PDF cites with superscripts that extraction glues to the
    word: "networks,1,2,3 generative". Numbers beyond the list, inside words or after a
    hyphen are text, not citations."""
    from sora_refs.bibliography.pdftext import superscript_markers

    text = ("including recurrent networks,1,2,3 generative models.10,11 They use a "
            "diffusion model21 that runs on GPT-3 with ResNet50 layers and COCO2017 data, "
            "trained 300 epochs at 2x speed.40")
    assert superscript_markers(text, 32) == (
        "including recurrent networks,[1,2,3] generative models.[10,11] They use a "
        "diffusion model[21] that runs on GPT-3 with ResNet50 layers and COCO2017 data, "
        "trained 300 epochs at 2x speed.40")


def test_a_body_with_bracketed_markers_keeps_its_numbers_as_text() -> None:
    """Only a body with no bracketed or author-year citation reads raised numbers."""
    from sora_refs.bibliography.documents import pdf_document

    refs = "References\n" + "".join(
        f"[{i}] Ada Author and Ben Writer. Learning things from data, part {i}. In "
        f"International Conference on Machine Learning, pages 1-9, 202{i}.\n"
        for i in (1, 2, 3))
    cited = pdf_document("1 Introduction\nWe fine-tune Llama2 as in [1].\n" + refs)
    assert "Llama2" in cited.body and "[1]" in cited.body
    raised = pdf_document("Intro\nWe fine-tune Llama as before,1 and again.2\n" + refs)
    assert "before,[1]" in raised.body and "again.[2]" in raised.body
