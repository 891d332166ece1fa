"""The labels the shipped language detector covers (ISO 639-1 where one exists, else 639-3).

REQUIRED are the issue's must-haves; EXTRA are further languages our packaged data covers
well enough (>= ~17k characters of training text). Left out on purpose: close variants whose
data here is too thin to separate them from a larger neighbour (bs vs hr, nn vs no, an/ia vs
es/it), and script variants (sr-Latn, az-Arab, pa-Arab). `und` is decided in the task layer.
"""
REQUIRED = """en zh es ar hi bn pt ru ja de fr ko it tr vi pl uk nl fa th id ms sv cs el hu ro da fi
no he bg sr hr sk sl lt lv et ca eu gl ga cy sq mk be ka hy az kk uz ta te ml kn mr gu pa ur ne si
my km lo am sw yo ha ig zu af tl eo""".split()

EXTRA = """as or dz ug ast oc gd is tg mn ky tt yi xh la ps br bo dv mi mg so ti ckb fo ln ny tk rw
ht sa kab ay nso lg crh ak se hsb ts chr fur mai wa rm sc fy""".split()

LABELS = sorted(set(REQUIRED) | set(EXTRA))
