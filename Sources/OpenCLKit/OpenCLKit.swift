import COpenCL
