import os
def  shout(x):   return x.upper()
